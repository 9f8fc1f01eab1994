import DaemonSupport
import Foundation
import GRDB
import HubCore
import Logging
import ServiceLifecycle
import Wire

/// The registry's memory across restarts: every agent the hub has seen, with its metadata and
/// labels from its last `Hello`, first and last seen, last heartbeat and whether it is connected.
///
/// It observes the registry: connects and disconnects are written at once (batched), live
/// state changes are coalesced per agent and committed once a second by `run()`. At start-up
/// `load(into:)` restores known agents as offline, so `?include_offline=true` and the detail of
/// a known agent survive a restart.
package final class AgentDirectory: Service {
    package let database: HubDatabase
    package let writer: StoreWriter

    package init(database: HubDatabase, writer: StoreWriter) {
        self.database = database
        self.writer = writer
    }

    /// Starts persisting what `registry` reports.
    package func follow(_ registry: AgentRegistry) {
        registry.observe { [writer] event in
            switch event {
            case .connected(let snapshot, _): writer.append(.agentConnected(snapshot, credential: snapshot.credentialName ?? ""))
            case .updated(let snapshot): writer.updateAgentState(snapshot)
            case .disconnected(let snapshot, _): writer.append(.agentDisconnected(snapshot))
            }
        }
    }

    /// Restores every known agent into `registry` as offline.
    package func load(into registry: AgentRegistry) throws {
        let rows = try self.database.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM agent") }
        for row in rows {
            guard let agentID = UUID(uuidString: row["agent_id"]) else { continue }
            func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
            let identity = AgentIdentity(
                agentID: agentID, name: row["name"], version: row["version"], exchange: row["exchange"],
                labels: JSONText.decodeLabels(row["labels"]), capabilities: JSONText.decodeList(row["capabilities"])
            )
            registry.remember(
                AgentSnapshot(
                    identity: identity, connected: false,
                    status: Commandhub_V1_AgentStatus(name: row["status"]) ?? .unspecified,
                    walletsSynced: row["wallets_synced"], syncRequests: UInt64(clamping: row["sync_requests"] as Int64),
                    inFlight: 0, lastSync: date("last_sync"), lastHeartbeat: date("last_heartbeat"),
                    lastSeen: date("last_seen") ?? Date(timeIntervalSince1970: 0),
                    connectedAt: date("connected_at") ?? Date(timeIntervalSince1970: 0),
                    sessionID: nil, remotePeer: nil, credentialName: row["credential"]
                ))
        }
    }

    /// Commits coalesced agent states once a second until shutdown.
    package func run() async throws {
        try await runUntilGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(1))
                self.writer.nudge()
            }
        }
    }
}
