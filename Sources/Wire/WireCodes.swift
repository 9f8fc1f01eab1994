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
