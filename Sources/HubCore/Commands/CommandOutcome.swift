import Wire

/// How one command ended; exactly one per command, produced by the pending table.
package enum CommandOutcome: Sendable {
    /// The agent answered (successfully or not): the ack is the result.
    case answered(Commandhub_V1_CommandAck)
    /// No ack before the deadline.
    case timedOut(after: Duration)
    /// Never reached the agent, or the stream ended before the ack.
    case undeliverable(UndeliverableReason)
    /// The caller went away before an answer.
    case cancelled

    /// The final lifecycle state this outcome records.
    package var state: CommandState {
        switch self {
        case .answered(let ack): ack.success ? .acknowledged : .failed
        case .timedOut: .timedOut
        case .undeliverable: .undeliverable
        case .cancelled: .cancelled
        }
    }
}

/// Why a command did not reach its agent or got no answer on the stream it was sent on.
package enum UndeliverableReason: Sendable, Equatable, CustomStringConvertible {
    /// No live session for the agent when the command was issued.
    case notConnected
    /// The session ended (agent gone, replaced, revoked, hub shutting down) before the ack.
    case streamEnded(String)
    /// The agent's outbox was full or the write failed; nothing was delivered.
    case sendFailed(String)
    /// The command log could not record it, so it was not sent.
    case notRecorded(String)

    package var description: String {
        switch self {
        case .notConnected: "agent not connected"
        case .streamEnded(let why): "stream ended before the ack: \(why)"
        case .sendFailed(let why): "failed to send: \(why)"
        case .notRecorded(let why): "not recorded, so not sent: \(why)"
        }
    }
}
