import GRPCCore
import Testing
import Wire

@testable import CryptoAgent

@Suite("Backoff")
struct BackoffTests {
    let backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))

    @Test func ceilingDoublesPerAttemptUpToTheMaximum() {
        #expect(self.backoff.ceiling(attempt: 1) == .milliseconds(500))
        #expect(self.backoff.ceiling(attempt: 2) == .seconds(1))
        #expect(self.backoff.ceiling(attempt: 4) == .seconds(4))
        #expect(self.backoff.ceiling(attempt: 7) == .seconds(30))
        #expect(self.backoff.ceiling(attempt: 1000) == .seconds(30))
    }

    @Test func delaysAreFullyJitteredWithinTheCeiling() {
        var generator = SeededGenerator(seed: 7)
        let delays = (0..<2000).map { _ in self.backoff.delay(attempt: 3, using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(2) })
        // Full jitter spreads over the whole window, not around its top.
        #expect(delays.contains { $0 < .milliseconds(200) })
        #expect(delays.contains { $0 > .milliseconds(1800) })
    }

    @Test func failedAttemptsGrowTheWaitAndAWelcomedSessionStartsItAgain() {
        var schedule = ReconnectSchedule(backoff: self.backoff)
        var generator = SeededGenerator(seed: 11)
        for expected in 1...5 {
            let delay = schedule.delay(after: .ended(welcomed: false), using: &generator)
            #expect(schedule.attempt == expected)
            #expect(delay <= self.backoff.ceiling(attempt: expected))
        }
        _ = schedule.delay(after: .ended(welcomed: true), using: &generator)
        #expect(schedule.attempt == 1)
    }

    @Test func aRestartHintReplacesTheGrownBackoffWithOneWaitInTheHubsWindow() {
        var schedule = ReconnectSchedule(backoff: self.backoff)
        var generator = SeededGenerator(seed: 13)
        for _ in 1...8 { _ = schedule.delay(after: .ended(welcomed: false), using: &generator) }
        #expect(self.backoff.ceiling(attempt: schedule.attempt + 1) == .seconds(30))
        let delays = (0..<500).map { _ in schedule.delay(after: .hubRestarting(window: .milliseconds(800)), using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .milliseconds(800) })
        // Spread over the window, not bunched at one instant (the thundering herd).
        #expect(delays.contains { $0 < .milliseconds(100) })
        #expect(delays.contains { $0 > .milliseconds(700) })
        #expect(schedule.attempt == 0)
        // While the hub is not back yet, retries stay in the window, a bounded number of times…
        for _ in 0..<ReconnectSchedule.restartAttempts {
            #expect(schedule.delay(after: .ended(welcomed: false), using: &generator) <= .milliseconds(800))
        }
        #expect(schedule.attempt == 0)
        // …then a hub that stays away gets the grown backoff again, from its start.
        _ = schedule.delay(after: .ended(welcomed: false), using: &generator)
        #expect(schedule.attempt == 1)
        // A welcomed session ends the hint.
        _ = schedule.delay(after: .hubRestarting(window: .milliseconds(800)), using: &generator)
        _ = schedule.delay(after: .ended(welcomed: true), using: &generator)
        _ = schedule.delay(after: .ended(welcomed: false), using: &generator)
        #expect(schedule.attempt == 2)
    }

    @Test func theRestartHintIsReadFromAShuttingDownStatusOnly() {
        let hint: Metadata = [WireMetadata.hubError: "shutting_down", WireMetadata.retryAfter: "1500"]
        #expect(HubLink.restartHint(hint) == .milliseconds(1500))
        #expect(HubLink.restartHint([WireMetadata.hubError: "session_replaced", WireMetadata.retryAfter: "1500"]) == nil)
        #expect(HubLink.restartHint([WireMetadata.hubError: "shutting_down"]) == nil)
        #expect(HubLink.restartHint([WireMetadata.hubError: "shutting_down", WireMetadata.retryAfter: "-5"]) == nil)
        #expect(HubLink.restartHint([WireMetadata.hubError: "shutting_down", WireMetadata.retryAfter: "9999999"]) == nil)
        #expect(HubLink.restartHint([WireMetadata.hubError: "shutting_down", WireMetadata.retryAfter: "soon"]) == nil)
    }
}

/// SplitMix64: deterministic randomness for tests.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
