import Testing

@testable import CryptoAgent

@Suite("Binance clock and weight budget")
struct BinanceClockTests {
    @Test func theOffsetIsMeasuredAgainstTheRoundTripsMidpointAndGoesStale() {
        let time = SteppingTime(startingAt: 1_000_000)
        let clock = BinanceClock(refreshInterval: .seconds(60), time: time)
        #expect(clock.isStale)
        clock.record(serverTime: 1_002_500, sentAt: 1_000_000, receivedAt: 1_001_000)
        #expect(clock.offsetMs == 2000)
        #expect(!clock.isStale)
        time.advance(milliseconds: 60_999)
        #expect(!clock.isStale, "measured when the answer came back")
        time.advance(milliseconds: 1)
        #expect(clock.isStale)
        #expect(clock.exchangeNow == time.nowMilliseconds() + 2000)
    }

    @Test func theWeightBudgetRefusesPastTheMinutesLimitAndARetryAfterStopsEverything() {
        let time = SteppingTime(startingAt: 60_000 * 1000)
        let limiter = BinanceRateLimiter(weightPerMinute: 50, time: time)
        let now = time.nowMilliseconds()
        #expect(limiter.admit(weight: 20, exchangeNow: now) == nil)
        limiter.observe(usedWeight: 40, exchangeNow: now)
        #expect(limiter.admit(weight: 20, exchangeNow: now + 15_000) == 45, "45 s until the exchange's next minute")
        #expect(limiter.admit(weight: 20, exchangeNow: now + 60_000) == nil, "a new minute, a new budget")
        limiter.ban(seconds: 30)
        #expect(limiter.admit(weight: 1, exchangeNow: now + 60_000) == 30)
        time.advance(milliseconds: 30_000)
        #expect(limiter.admit(weight: 1, exchangeNow: now + 90_000) == nil)
    }
}
