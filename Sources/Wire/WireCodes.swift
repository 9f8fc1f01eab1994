/// The `error_code`s of `CommandAck` that both sides act on, not just show: part of the wire
/// contract as much as the messages are.
public enum WireCodes {
    /// The answer to a `lookup_only` command the agent never executed: it has no record of the
    /// id and will never execute it.
    public static let notExecuted = "not_executed"
}
