import Synchronization

/// Keeps the agent inside the exchange's request-weight budget.
///
/// It follows `X-MBX-USED-WEIGHT-1m` (the weight this IP used in the current minute, as the
/// exchange counts it) and refuses, before sending, a request that would go past the minute's
/// limit. After a `429` or `418` it refuses every request until `Retry-After` has passed — the
/// exchange bans IPs that keep calling. A refusal means nothing was sent.
package final class BinanceRateLimiter: Sendable {
    private struct State {
        var usedWeight = 0
        /// The exchange minute (`exchangeNow / 60000`) `usedWeight` belongs to.
        var minute: Int64 = 0
        var limit: Int
        /// Local milliseconds until which nothing may be sent.
        var bannedUntil: Int64?
    }

    private let state: Mutex<State>
    private let time: any BinanceTime

    package init(weightPerMinute: Int = 6000, time: any BinanceTime) {
        self.state = Mutex(State(limit: weightPerMinute))
        self.time = time
    }

    /// Admits a request of `weight` at exchange time `exchangeNow`, or says how many seconds to wait.
    package func admit(weight: Int, exchangeNow: Int64) -> Int? {
        let now = self.time.nowMilliseconds()
        return self.state.withLock { state -> Int? in
            if let until = state.bannedUntil {
                if now < until { return Int((until - now + 999) / 1000) }
                state.bannedUntil = nil
            }
            let minute = exchangeNow / 60_000
            if minute != state.minute {
                state.minute = minute
                state.usedWeight = 0
            }
            guard state.usedWeight + weight <= state.limit else {
                return Int(((minute + 1) * 60_000 - exchangeNow + 999) / 1000)
            }
            state.usedWeight += weight
            return nil
        }
    }

    /// Takes the exchange's own count from a response header.
    package func observe(usedWeight: Int, exchangeNow: Int64) {
        self.state.withLock { state in
            let minute = exchangeNow / 60_000
            if minute >= state.minute {
                state.minute = minute
                state.usedWeight = usedWeight
            }
        }
    }

    /// Stops all calls for `seconds` (a 429 or 418 with `Retry-After`).
    package func ban(seconds: Int) {
        let until = self.time.nowMilliseconds() + Int64(max(1, seconds)) * 1000
        self.state.withLock { state in state.bannedUntil = max(state.bannedUntil ?? 0, until) }
    }

    /// Sets the minute's weight limit (from `exchangeInfo`'s `REQUEST_WEIGHT` rate limit).
    package func setLimit(_ limit: Int) {
        guard limit > 0 else { return }
        self.state.withLock { $0.limit = limit }
    }
}
