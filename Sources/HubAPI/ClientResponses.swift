import Foundation
import HubCore
import Wire

/// REST bodies that describe clients, as the REST contract existing clients call has them: the
/// contract's keys first, in its order, then the hub's additions.
package enum ClientResponses {
    /// A row of `GET /api/crypto/commands/`; after the contract's keys, what a fleet table shows
    /// without a request per agent.
    package static func summary(_ snapshot: AgentSnapshot) -> JSON {
        .object([
            ("client_id", .string(snapshot.agentID.lowercased)),
            ("client_name", .string(snapshot.identity.name)),
            ("connected", .bool(snapshot.connected)),
            ("wallets_synced", .integer(snapshot.walletsSynced)),
            ("status", .string(snapshot.status.name)),
            ("labels", JSON.labels(snapshot.identity.labels)),
            ("exchange", .string(snapshot.identity.exchange)),
            ("last_heartbeat", .timestamp(snapshot.lastHeartbeat)),
            ("last_sync", .timestamp(snapshot.lastSync)),
        ])
    }

    /// `GET /api/crypto/commands/{client_id}/`.
    package static func detail(_ snapshot: AgentSnapshot) -> JSON {
        .object([
            ("client_id", .string(snapshot.agentID.lowercased)),
            ("client_name", .string(snapshot.identity.name)),
            ("connected", .bool(snapshot.connected)),
            ("last_heartbeat", .timestamp(snapshot.lastHeartbeat)),
            (
                "metadata",
                .object([
                    ("version", .string(snapshot.identity.version)),
                    ("exchange", .string(snapshot.identity.exchange)),
                ])
            ),
            ("wallets_synced", .integer(snapshot.walletsSynced)),
            ("sync_requests", .integer(snapshot.syncRequests)),
            ("last_sync", .timestamp(snapshot.lastSync)),
            ("status", .string(snapshot.status.name)),
            ("labels", JSON.labels(snapshot.identity.labels)),
            ("capabilities", .array(snapshot.identity.capabilities.map(JSON.string))),
            ("connected_at", .timestamp(snapshot.connectedAt)),
            ("last_seen", .timestamp(snapshot.lastSeen)),
            ("in_flight", .integer(snapshot.inFlight)),
        ])
    }
}
