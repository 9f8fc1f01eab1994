import Foundation
import HubCore

/// One change to the hub's database, as the `StoreWriter` applies it.
package enum StoreWrite: Sendable {
    case commandCreated(CommandRecord)
    case commandSent(UUID, at: Date)
    case commandFinished(CommandFinal)
    /// A command created, sent and perhaps finished within one batch, written as one row
    /// (made only by `StoreWriter.fold`).
    case commandRow(CommandRecord, sentAt: Date?, final: CommandFinal?)
    /// What the agent reported later about a command that ended without its answer.
    case commandReconciled(UUID, agentID: UUID, at: Date, result: String)
    case jobCreated(JobRecord)
    case jobFinished(JobResult)
    case agentConnected(AgentSnapshot, credential: String)
    case agentDisconnected(AgentSnapshot)
    /// An agent's balances as the hub now knows them (all of them, replacing the stored ones).
    case walletsRecorded(UUID, WalletBook.Wallets)
}

/// How a command ended, as the log records it.
package struct CommandFinal: Sendable {
    package var commandID: UUID
    package var state: CommandState
    package var sentAt: Date?
    package var finishedAt: Date
    package var errorCode: String?
    package var message: String?
    /// The `command_result` body (JSON) when the agent answered.
    package var result: String?

    package init(
        commandID: UUID,
        state: CommandState,
        sentAt: Date? = nil,
        finishedAt: Date,
        errorCode: String? = nil,
        message: String? = nil,
        result: String? = nil
    ) {
        self.commandID = commandID
        self.state = state
        self.sentAt = sentAt
        self.finishedAt = finishedAt
        self.errorCode = errorCode
        self.message = message
        self.result = result
    }
}

/// A bulk action as the log records it.
package struct JobRecord: Sendable {
    package var jobID: UUID
    package var action: String
    package var parameters: String
    package var selector: String?
    package var requestedBy: String
    package var createdAt: Date

    package init(
        jobID: UUID,
        action: String,
        parameters: String,
        selector: String? = nil,
        requestedBy: String,
        createdAt: Date
    ) {
        self.jobID = jobID
        self.action = action
        self.parameters = parameters
        self.selector = selector
        self.requestedBy = requestedBy
        self.createdAt = createdAt
    }
}

/// A bulk action's totals once every command is final.
package struct JobResult: Sendable {
    package var jobID: UUID
    package var finishedAt: Date
    package var targeted: Int
    package var succeeded: Int
    package var failed: Int
    package var timedOut: Int
    package var undeliverable: Int
    package var skipped: Int

    package init(
        jobID: UUID,
        finishedAt: Date,
        targeted: Int,
        succeeded: Int,
        failed: Int,
        timedOut: Int,
        undeliverable: Int,
        skipped: Int
    ) {
        self.jobID = jobID
        self.finishedAt = finishedAt
        self.targeted = targeted
        self.succeeded = succeeded
        self.failed = failed
        self.timedOut = timedOut
        self.undeliverable = undeliverable
        self.skipped = skipped
    }
}
