/// The `error_code`s of `CommandAck` that both sides act on, not just show: part of the wire
/// contract as much as the messages are.
public enum WireCodes {
    /// The answer to a `lookup_only` command the agent never executed: it has no record of the
    /// id and will never execute it.
    public static let notExecuted = "not_executed"

    /// The answer to a sell whose outcome the agent's exchange could not tell yet (its answer
    /// was lost): nothing is recorded as finished, and reconciliation asks again later.
    public static let outcomeUnknown = "outcome_unknown"
}

/// Trailing metadata of the status that ends an `AgentLink.Connect` call, for agents to act on.
public enum WireMetadata {
    /// The hub error that ended the call, by its stable code (`shutting_down`, `session_replaced`…).
    public static let hubError = "hub-error"

    /// The `hub-error` of a hub that is stopping, normally to start again: the agent reconnects
    /// soon (within `retryAfter`) rather than after its grown backoff.
    public static let shuttingDown = "shutting_down"

    /// With `shutting_down`: the window, in milliseconds, over which the hub asks its agents to
    /// spread their reconnects — each picks a uniform random delay in it, so a restart brings
    /// the fleet back at once without a thundering herd.
    public static let retryAfter = "hub-retry-after-ms"

    /// The restart hint's window, given the first `hub-error` and `hub-retry-after-ms` values of
    /// a status: only a `shutting_down` status with a window of 0...60000 ms carries one.
    public static func restartWindow(hubError: String?, retryAfter: String?) -> Duration? {
        guard hubError == Self.shuttingDown, let milliseconds = retryAfter.flatMap({ Int64($0) }), (0...60_000).contains(milliseconds)
        else { return nil }
        return .milliseconds(milliseconds)
    }
}
