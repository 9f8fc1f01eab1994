import Foundation
import Wire

/// Where the dispatcher writes down each command's lifecycle: the hub's SQLite command log
/// (`CommandLog`), or nothing in unit tests.
///
/// Contract: `commandCreated` is called before the command is queued for its agent; if it
/// throws, the command is not sent. With `durable` it returns only once the record is on disk
/// (sells). The other calls never block and never fail: they are buffered and batched.
package protocol CommandJournal: Sendable {
    func commandCreated(_ record: CommandRecord, durable: Bool) async throws(HubError)
    func commandSent(_ id: UUID, at: Date)
    func commandFinished(_ report: CommandReport)
    /// The agent's later word on a command that ended without its answer (a late ack, or a
    /// reconciliation lookup after a reconnect). `ack` nil means the agent never executed it.
    func commandReconciled(_ id: UUID, agentID: UUID, ack: Commandhub_V1_CommandAck?, at: Date)
}

/// Records nothing (unit tests, benchmarks of the dispatcher alone).
package struct NoJournal: CommandJournal {
    package init() {}
    package func commandCreated(_ record: CommandRecord, durable: Bool) async throws(HubError) {}
    package func commandSent(_ id: UUID, at: Date) {}
    package func commandFinished(_ report: CommandReport) {}
    package func commandReconciled(_ id: UUID, agentID: UUID, ack: Commandhub_V1_CommandAck?, at: Date) {}
}

/// Who asked for a command and as part of what.
package struct CommandOrigin: Sendable, Equatable {
    /// The operator (or "anonymous" without operator auth, "hub" for the hub's own lookups).
    package var requestedBy: String
    /// The bulk job this command belongs to.
    package var jobID: UUID?
    /// The REST request's `Idempotency-Key`.
    package var idempotencyKey: String?

    package init(requestedBy: String = "anonymous", jobID: UUID? = nil, idempotencyKey: String? = nil) {
        self.requestedBy = requestedBy
        self.jobID = jobID
        self.idempotencyKey = idempotencyKey
    }
}
