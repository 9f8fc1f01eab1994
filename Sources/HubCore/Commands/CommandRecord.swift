import Foundation

/// A command as the log first records it.
package struct CommandRecord: Sendable, Equatable {
    package var commandID: UUID
    package var agentID: UUID
    package var action: String
    /// The action's parameters as a JSON object.
    package var parameters: String
    package var requestedBy: String
    package var jobID: UUID?
    package var idempotencyKey: String?
    package var timeout: Duration
    package var createdAt: Date

    package init(
        commandID: UUID,
        agentID: UUID,
        action: String,
        parameters: String,
        requestedBy: String,
        jobID: UUID? = nil,
        idempotencyKey: String? = nil,
        timeout: Duration,
        createdAt: Date
    ) {
        self.commandID = commandID
        self.agentID = agentID
        self.action = action
        self.parameters = parameters
        self.requestedBy = requestedBy
        self.jobID = jobID
        self.idempotencyKey = idempotencyKey
        self.timeout = timeout
        self.createdAt = createdAt
    }
}
