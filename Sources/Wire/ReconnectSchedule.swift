/// Exponential backoff with full jitter (AWS Architecture Blog, "Exponential Backoff and Jitter"):
/// the n-th retry waits a uniform random time in `[0, min(max, initial · 2^(n-1))]`, so a hub
/// restart spreads thousands of reconnects over the window instead of a thundering herd.
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The upper bound of the wait before retry number `attempt` (1-based).
    public func ceiling(attempt: Int) -> Duration {
        let exponent = min(max(attempt - 1, 0), 32)
        let scaled = self.initial * (1 << exponent)
        return min(scaled, self.maximum)
    }

    /// A wait drawn uniformly from `[0, ceiling(attempt)]`.
    public func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> Duration {
        let ceiling = self.ceiling(attempt: attempt)
        let nanoseconds = ceiling.components.seconds * 1_000_000_000 + ceiling.components.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return .zero }
        return .nanoseconds(Int64.random(in: 0...nanoseconds, using: &generator))
    }
}
