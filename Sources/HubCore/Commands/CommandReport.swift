import Foundation
import Wire

/// The whole story of one command once it is final: what was asked, of whom, and how it ended.
package struct CommandReport: Sendable {
    package let commandID: UUID
    package let agentID: UUID
    package let action: Commandhub_V1_Command.OneOf_Action
    package let origin: CommandOrigin
    package let outcome: CommandOutcome
    package let timeout: Duration
    package let issuedAt: Date
    package let sentAt: Date?
    package let finishedAt: Date
    /// False when the journal refused the command, so there is no record to finish.
    package let recorded: Bool

    package init(
        commandID: UUID, agentID: UUID, action: Commandhub_V1_Command.OneOf_Action, origin: CommandOrigin,
        outcome: CommandOutcome, timeout: Duration, issuedAt: Date, sentAt: Date?, finishedAt: Date, recorded: Bool = true
    ) {
        self.commandID = commandID
        self.agentID = agentID
        self.action = action
        self.origin = origin
        self.outcome = outcome
        self.timeout = timeout
        self.issuedAt = issuedAt
        self.sentAt = sentAt
        self.finishedAt = finishedAt
        self.recorded = recorded
    }

    /// The final lifecycle state.
    package var state: CommandState { self.outcome.state }

    /// The agent's answer, when there was one.
    package var ack: Commandhub_V1_CommandAck? {
        if case .answered(let ack) = self.outcome { return ack }
        return nil
    }

    /// The machine-readable reason it did not succeed, as the history records it: the agent's
    /// `error_code` when it answered no, the hub's error code when there was no answer, nil
    /// when acknowledged.
    package var errorCode: String? {
        if let ack = self.ack { return ack.success ? nil : (ack.errorCode.isEmpty ? "failed" : ack.errorCode) }
        return self.error?.code
    }

    /// The error a REST caller gets when the command has no answer; nil when answered.
    package var error: HubError? {
        switch self.outcome {
        case .answered: nil
        case .timedOut(let after): .commandTimeout(commandID: self.commandID, after: after)
        case .undeliverable(.notConnected), .undeliverable(.streamEnded): .clientNotConnected(self.agentID)
        case .undeliverable(.sendFailed(let why)): .commandError(why)
        case .undeliverable(.notRecorded(let why)): .storeUnavailable(why)
        case .cancelled: .commandError("cancelled before an answer")
        }
    }
}
