import Testing

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
