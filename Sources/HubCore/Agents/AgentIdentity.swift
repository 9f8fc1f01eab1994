import Foundation
import Wire

/// Who an agent says it is, from its `Hello`, validated.
package struct AgentIdentity: Sendable, Equatable {
    package var agentID: UUID
    package var name: String
    package var version: String
    package var exchange: String
    package var labels: [String: String]
    package var capabilities: [String]
    package var lastFinishedCommandID: UUID?

    package init(
        agentID: UUID, name: String, version: String = "", exchange: String = "",
        labels: [String: String] = [:], capabilities: [String] = [], lastFinishedCommandID: UUID? = nil
    ) {
        self.agentID = agentID
        self.name = name
        self.version = version
        self.exchange = exchange
        self.labels = labels
        self.capabilities = capabilities
        self.lastFinishedCommandID = lastFinishedCommandID
    }

    /// Limits on what a Hello may carry, so one agent cannot bloat the registry.
    package static let maxTextLength = 128
    package static let maxLabels = 64

    /// Validates a wire `Hello`; the error says which field is wrong.
    package init(hello: Commandhub_V1_Hello) throws(HubError) {
        guard let agentID = UUID(uuidString: hello.agentID) else {
            throw .invalidHello("agent_id must be a UUID, got \"\(hello.agentID.prefix(64))\"")
        }
        let name = hello.name.isEmpty ? agentID.lowercased : hello.name
        for (field, value) in [("name", name), ("version", hello.version), ("exchange", hello.exchange)] {
            guard value.count <= Self.maxTextLength else {
                throw .invalidHello("\(field) longer than \(Self.maxTextLength) characters")
            }
        }
        guard hello.labels.count <= Self.maxLabels else {
            throw .invalidHello("more than \(Self.maxLabels) labels")
        }
        for (key, value) in hello.labels where key.isEmpty || key.count > Self.maxTextLength || value.count > Self.maxTextLength {
            throw .invalidHello("label \"\(key.prefix(64))\" is empty or longer than \(Self.maxTextLength) characters")
        }
        var lastFinished: UUID?
        if !hello.lastFinishedCommandID.isEmpty {
            guard let id = UUID(uuidString: hello.lastFinishedCommandID) else {
                throw .invalidHello("last_finished_command_id must be a UUID")
            }
            lastFinished = id
        }
        self.init(
            agentID: agentID, name: name, version: hello.version, exchange: hello.exchange,
            labels: hello.labels, capabilities: Array(hello.capabilities.prefix(Self.maxLabels)),
            lastFinishedCommandID: lastFinished
        )
    }
}
