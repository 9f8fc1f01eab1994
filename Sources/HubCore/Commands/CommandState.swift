/// Where a command is in its lifecycle: `pending → sent → one final state`.
///
/// The allowed transitions live here and nowhere else; every command ends in exactly one
/// final state.
package enum CommandState: String, Sendable, Codable, CaseIterable {
    /// Accepted and logged, not yet written to the agent's stream.
    case pending
    /// Written to the agent's stream, no ack yet.
    case sent
    /// The agent answered and reported success.
    case acknowledged
    /// The agent answered and reported failure (or the hub could not send it).
    case failed
    /// No ack before the deadline.
    case timedOut = "timed_out"
    /// The agent was not connected, or its stream ended before the ack.
    case undeliverable
    /// The caller went away or an operator cancelled it before an answer.
    case cancelled

    /// True for the five states a command ends in.
    package var isFinal: Bool {
        switch self {
        case .pending, .sent: false
        case .acknowledged, .failed, .timedOut, .undeliverable, .cancelled: true
        }
    }

    /// Whether `self → next` is a legal step of the lifecycle.
    package func canTransition(to next: CommandState) -> Bool {
        switch (self, next) {
        case (.pending, .sent): true
        case (.pending, _), (.sent, _): next.isFinal
        default: false
        }
    }
}
