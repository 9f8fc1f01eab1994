import Foundation
import HubCore
import Wire

/// One thing that happened in the hub, as live subscribers of `GET /api/crypto/events/` see it.
///
/// The payload is encoded once, when the event is made, and shared by every subscriber: a
/// one-line JSON object whose first two keys are `type` and `at` (ISO 8601 UTC with
/// milliseconds), followed by the kind's own fields. The hub-wide sequence number is given by
/// `HubEvents` when the event is published, not here.
package struct HubEvent: Sendable {
    /// The kinds of event, spelled as the stream's `event:` field and the JSON's `type`.
    package enum Kind: String, Sendable, CaseIterable {
        case agentConnected = "agent_connected"
        case agentDisconnected = "agent_disconnected"
        case agentStatusChanged = "agent_status_changed"
        case commandFinished = "command_finished"
    }

    package let kind: Kind
    package let at: Date
    /// The compact JSON of the event, without a newline.
    package let data: [UInt8]

    private init(_ kind: Kind, at: Date, fields: [(String, JSON)]) {
        self.kind = kind
        self.at = at
        self.data = JSON.object([("type", .string(kind.rawValue)), ("at", .preciseTimestamp(at))] + fields).serialized()
    }

    /// An agent's stream was accepted and its `Hello` made it the agent's live session.
    package static func connected(_ snapshot: AgentSnapshot, at: Date = Date()) -> HubEvent {
        HubEvent(
            .agentConnected, at: at,
            fields: [
                ("client_id", .string(snapshot.agentID.lowercased)),
                ("client_name", .string(snapshot.identity.name)),
                ("exchange", .string(snapshot.identity.exchange)),
                ("version", .string(snapshot.identity.version)),
                ("labels", JSON.labels(snapshot.identity.labels)),
            ])
    }

    /// An agent's live session ended (not when a newer connection replaced it).
    package static func disconnected(_ snapshot: AgentSnapshot, reason: String, at: Date = Date()) -> HubEvent {
        HubEvent(
            .agentDisconnected, at: at,
            fields: [
                ("client_id", .string(snapshot.agentID.lowercased)),
                ("client_name", .string(snapshot.identity.name)),
                ("reason", .string(reason)),
            ])
    }

    /// A connected agent's status is now `status`, and was `previous`.
    package static func statusChanged(
        agentID: UUID, name: String, status: Commandhub_V1_AgentStatus, previous: Commandhub_V1_AgentStatus, at: Date = Date()
    ) -> HubEvent {
        HubEvent(
            .agentStatusChanged, at: at,
            fields: [
                ("client_id", .string(agentID.lowercased)),
                ("client_name", .string(name)),
                ("status", .string(status.name)),
                ("previous_status", .string(previous.name)),
            ])
    }

    /// A command reached its final state.
    package static func commandFinished(_ report: CommandReport, at: Date = Date()) -> HubEvent {
        let seconds = report.issuedAt.distance(to: report.finishedAt)
        return HubEvent(
            .commandFinished, at: at,
            fields: [
                ("command_id", .string(report.commandID.lowercased)),
                ("client_id", .string(report.agentID.lowercased)),
                ("action", .string(report.action.name)),
                ("state", .string(report.state.rawValue)),
                ("requested_by", .string(report.origin.requestedBy)),
                ("job_id", .optional(report.origin.jobID?.lowercased)),
                ("error_code", .optional(report.errorCode)),
                ("duration_ms", .number((max(0, seconds) * 1_000_000).rounded() / 1000)),
            ])
    }
}
