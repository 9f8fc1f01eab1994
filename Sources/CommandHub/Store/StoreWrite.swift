import Foundation

/// One change to the hub's database, as the `StoreWriter` applies it.
enum StoreWrite: Sendable {
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

/// A command as the log first records it.
public struct CommandRecord: Sendable, Equatable {
    public var commandID: UUID
    public var agentID: UUID
    public var action: String
    /// The action's parameters as a JSON object.
    public var parameters: String
    public var requestedBy: String
    public var jobID: UUID?
    public var idempotencyKey: String?
    public var timeout: Duration
    public var createdAt: Date
}

/// How a command ended, as the log records it.
struct CommandFinal: Sendable {
    var commandID: UUID
    var state: CommandState
    var sentAt: Date?
    var finishedAt: Date
    var errorCode: String?
    var message: String?
    /// The `command_result` body (JSON) when the agent answered.
    var result: String?
}

/// A bulk action as the log records it.
struct JobRecord: Sendable {
    var jobID: UUID
    var action: String
    var parameters: String
    var selector: String?
    var requestedBy: String
    var createdAt: Date
}

/// A bulk action's totals once every command is final.
struct JobResult: Sendable {
    var jobID: UUID
    var finishedAt: Date
    var targeted: Int
    var succeeded: Int
    var failed: Int
    var timedOut: Int
    var undeliverable: Int
    var skipped: Int
}
