import DaemonSupport
import Foundation
import GRDB
import HubCore
import Wire

extension HubDatabase {
    /// Every agent the hub has seen, as offline snapshots.
    package func knownAgents() throws -> [AgentSnapshot] {
        var agents: [AgentSnapshot] = []
        let rows = try self.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM agent") }
        for row in rows {
            guard let agentID = UUID(uuidString: row["agent_id"]) else { continue }
            func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
            let identity = AgentIdentity(
                agentID: agentID, name: row["name"], version: row["version"], exchange: row["exchange"],
                labels: JSONText.decodeLabels(row["labels"]), capabilities: JSONText.decodeList(row["capabilities"])
            )
            agents.append(
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
        return agents
    }

    /// The last wallets of every agent.
    package func storedWallets() throws -> [UUID: WalletBook.Wallets] {
        let rows = try self.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM agent_wallet ORDER BY agent_id, asset") }
        var book: [UUID: WalletBook.Wallets] = [:]
        for row in rows {
            guard let agentID = UUID(uuidString: row["agent_id"]) else { continue }
            var balance = Commandhub_V1_Balance()
            balance.asset = row["asset"]
            balance.free = row["free"]
            balance.locked = row["locked"]
            let syncedAt = Date(timeIntervalSince1970: row["synced_at"])
            book[agentID, default: WalletBook.Wallets(balances: [], syncedAt: syncedAt, source: row["source"])].balances.append(balance)
        }
        return book
    }
}
