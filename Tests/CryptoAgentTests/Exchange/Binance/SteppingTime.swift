import Synchronization

@testable import CryptoAgent

/// Time for the connector's tests: it stands still until a sleep (a lookup's backoff) or the test
/// moves it, so waiting out a recvWindow or a Retry-After takes no real time. The fake exchange
/// reads the same clock.
final class SteppingTime: BinanceTime {
    private let now: Mutex<Int64>
    private let slept = Mutex<Int64>(0)

    init(startingAt start: Int64 = 1_700_000_000_000) {
        self.now = Mutex(start)
    }

    func nowMilliseconds() -> Int64 { self.now.withLock { $0 } }

    func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        self.advance(milliseconds: milliseconds)
        self.slept.withLock { $0 += milliseconds }
        await Task.yield()
    }

    func advance(milliseconds: Int64) { self.now.withLock { $0 += milliseconds } }

    /// How long the connector slept in total.
    var sleptMilliseconds: Int64 { self.slept.withLock { $0 } }
}
