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

/// How a session ended, as far as the next connect is concerned.
public enum SessionEnding: Sendable, Equatable {
    /// The stream ended (or never opened); `welcomed` says whether the hub accepted it first.
    case ended(welcomed: Bool)
    /// The hub said it is shutting down, normally to start again, and asked its agents to spread
    /// their reconnects over `window` (the restart hint: trailer `hub-retry-after-ms`).
    case hubRestarting(window: Duration)
}

/// The waits between connects: full-jitter backoff that grows with each failed attempt and
/// starts again after a welcomed session. After a restart hint, waits are drawn from the hub's
/// window instead — for the hint's connect and for the retries while the hub is not back yet,
/// up to `restartAttempts` of them — so a fleet comes back together but not all at once; a
/// hub that stays away longer gets the grown backoff again.
public struct ReconnectSchedule: Sendable {
    public let backoff: Backoff
    /// Retries drawn from a restart hint's window before the backoff grows again.
    public static let restartAttempts = 30
    /// Connect attempts since the last welcomed session (the backoff's exponent).
    public private(set) var attempt = 0
    private var restart: (window: Duration, attemptsLeft: Int)?

    public init(backoff: Backoff) {
        self.backoff = backoff
    }

    /// The wait before the next connect, after a session that ended so.
    public mutating func delay(after ending: SessionEnding, using generator: inout some RandomNumberGenerator) -> Duration {
        switch ending {
        case .hubRestarting(let window):
            self.restart = (window, Self.restartAttempts)
            self.attempt = 0
        case .ended(welcomed: true):
            self.restart = nil
            self.attempt = 1
        case .ended(welcomed: false):
            if let restart, restart.attemptsLeft > 0 {
                self.restart = (restart.window, restart.attemptsLeft - 1)
            } else {
                self.restart = nil
                self.attempt += 1
            }
        }
        if let restart {
            return Backoff(initial: restart.window, maximum: restart.window).delay(attempt: 1, using: &generator)
        }
        return self.backoff.delay(attempt: self.attempt, using: &generator)
    }
}
