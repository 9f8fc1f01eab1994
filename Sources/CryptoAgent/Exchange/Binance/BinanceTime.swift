import Foundation

/// The connector's view of time: the local wall clock (timestamps of signed requests, the
/// exchange clock estimate) and waiting (lookup backoff, clock refresh). Injected, so tests of
/// backoff and of "the exchange's clock is past the order's window" run without waiting.
package protocol BinanceTime: Sendable {
    /// The local wall clock, milliseconds since 1970.
    func nowMilliseconds() -> Int64
    /// Waits `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock.
package struct SystemBinanceTime: BinanceTime {
    package init() {}

    package func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }

    package func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}
