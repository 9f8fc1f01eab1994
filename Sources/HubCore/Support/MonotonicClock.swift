/// Monotonic time as a `Duration` since the clock was made, over any injected `Clock`.
///
/// Deadlines and liveness limits are stored as offsets from the clock's origin so that the
/// dispatcher and sessions need no generic parameter; tests pass a manual clock and move time
/// themselves instead of sleeping.
package struct MonotonicClock: Sendable {
    private let nowBody: @Sendable () -> Duration
    private let sleepBody: @Sendable (Duration) async throws -> Void

    package init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        self.nowBody = { origin.duration(to: clock.now) }
        self.sleepBody = { offset in try await clock.sleep(until: origin.advanced(by: offset), tolerance: nil) }
    }

    /// The process's `ContinuousClock`.
    package static let continuous = MonotonicClock(ContinuousClock())

    /// Time elapsed since the clock's origin.
    package var now: Duration { self.nowBody() }

    /// Suspends until `now >= offset`; throws `CancellationError` when the task is cancelled.
    package func sleep(until offset: Duration) async throws {
        try await self.sleepBody(offset)
    }
}
