import DaemonSupport
import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import Wire

extension PostgresStore: StoreStartup {
    package func secret(named name: String, make: @Sendable () -> [UInt8]) async throws(StoreError) -> [UInt8] {
        let candidate = Data(make())
        do {
            // Two hubs starting at once both insert; the first wins and both read its value.
            try await self.client.query(
                """
                INSERT INTO hub_secret (name, value, created_at) VALUES (\(name), \(candidate), \(Date().timeIntervalSince1970))
                ON CONFLICT (name) DO NOTHING
                """, logger: self.logger)
            var stored: Data?
            for try await value in try await self.client.query(
                "SELECT value FROM hub_secret WHERE name = \(name)", logger: self.logger
            ).decode(Data.self) {
                stored = value
            }
            if let stored { return Array(stored) }
        } catch {
            throw .cannotOpen(
                path: self.location.description, reason: "cannot read or create the secret \(name): \(PostgresErrors.describe(error))")
        }
        throw .cannotOpen(path: self.location.description, reason: "the secret \(name) vanished")
    }

    /// `HubDatabase.recoverAfterRestart`, for this hub's own work only: other hubs on the same
    /// database keep their commands, requests and agents.
    package func recoverAfterRestart(now: Date) async throws -> Int {
        let hub = self.hubID
        return try await self.client.withTransaction(logger: self.logger) { connection in
            try await Self.endUnfinishedWork(of: hub, on: connection, now: now, reason: .restarted, logger: self.logger)
        }
    }

    /// Why a hub's unfinished work is being ended by `endUnfinishedWork`.
    package enum EndingReason: Sendable {
        /// The hub itself, starting again.
        case restarted
        /// Another hub, after the hub's lease expired (it died or stopped answering).
        case leaseExpired
    }

    /// Ends what `hub` left unfinished: its pending and sent commands become `undeliverable`
    /// (a sent sell's outcome is then reconciled with the agent through `lookup_only` wherever
    /// it reconnects), its jobs finished, its requests in progress answered 503 "outcome
    /// unknown", its agents marked disconnected and its ownership rows deleted. Returns the
    /// number of commands ended.
    package static func endUnfinishedWork(
        of hub: String, on connection: PostgresConnection, now: Date, reason: EndingReason, logger: Logger
    ) async throws -> Int {
        let time = now.timeIntervalSince1970
        let (code, message) =
            switch reason {
            case .restarted:
                (
                    "hub_restarted",
                    "The hub stopped before this command finished; its outcome is reconciled with the agent when it reconnects"
                )
            case .leaseExpired:
                (
                    "hub_lost",
                    "The hub holding this command stopped answering before it finished; its outcome is reconciled with the agent when it reconnects"
                )
            }
        var ended = 0
        let rows = try await connection.query(
            """
            UPDATE command SET state = 'undeliverable', error_code = \(code), message = \(message), finished_at = \(time)
            WHERE state IN ('pending', 'sent') AND hub_id = \(hub) RETURNING seq
            """, logger: logger)
        for try await _ in rows { ended += 1 }
        try await connection.query(
            """
            UPDATE job SET finished_at = \(time) WHERE finished_at IS NULL
                AND job_id IN (SELECT job_id FROM command WHERE hub_id = \(hub) AND job_id IS NOT NULL)
            """, logger: logger)
        try await connection.query(
            """
            UPDATE idempotency SET state = 'done', status = 503, body = \(IdempotencyStore.outcomeUnknownBody), finished_at = \(time)
            WHERE state = 'in_progress' AND hub_id = \(hub)
            """, logger: logger)
        try await connection.query("UPDATE agent SET connected = FALSE WHERE connected AND hub_id = \(hub)", logger: logger)
        try await connection.query("DELETE FROM agent_owner WHERE hub_id = \(hub)", logger: logger)
        return ended
    }

    package func knownAgents() async throws -> [AgentSnapshot] {
        let rows = try await self.client.query(
            """
            SELECT agent_id, name, version, exchange, labels, capabilities, credential, status, wallets_synced, sync_requests,
                last_sync, last_heartbeat, last_seen, connected_at
            FROM agent
            """, logger: self.logger)
        var agents: [AgentSnapshot] = []
        for try await row in rows {
            let row = row.makeRandomAccess()
            guard let agentID = UUID(uuidString: try row["agent_id"].decode(String.self)) else { continue }
            func date(_ column: String) throws -> Date? { try row[column].decode(Double?.self).map(Date.init(timeIntervalSince1970:)) }
            let identity = AgentIdentity(
                agentID: agentID, name: try row["name"].decode(String.self), version: try row["version"].decode(String.self),
                exchange: try row["exchange"].decode(String.self), labels: JSONText.decodeLabels(try row["labels"].decode(String.self)),
                capabilities: JSONText.decodeList(try row["capabilities"].decode(String.self))
            )
            agents.append(
                AgentSnapshot(
                    identity: identity, connected: false,
                    status: Commandhub_V1_AgentStatus(name: try row["status"].decode(String.self)) ?? .unspecified,
                    walletsSynced: Int(try row["wallets_synced"].decode(Int64.self)),
                    syncRequests: UInt64(clamping: try row["sync_requests"].decode(Int64.self)), inFlight: 0,
                    lastSync: try date("last_sync"), lastHeartbeat: try date("last_heartbeat"),
                    lastSeen: try date("last_seen") ?? Date(timeIntervalSince1970: 0),
                    connectedAt: try date("connected_at") ?? Date(timeIntervalSince1970: 0),
                    sessionID: nil, remotePeer: nil, credentialName: try row["credential"].decode(String?.self)
                ))
        }
        return agents
    }

    package func storedWallets() async throws -> [UUID: WalletBook.Wallets] {
        let rows = try await self.client.query(
            "SELECT agent_id, asset, free::text, locked::text, synced_at, source FROM agent_wallet ORDER BY agent_id, asset",
            logger: self.logger)
        var book: [UUID: WalletBook.Wallets] = [:]
        for try await (agent, asset, free, locked, syncedAt, source) in rows.decode((String, String, String, String, Double, String).self) {
            guard let agentID = UUID(uuidString: agent) else { continue }
            var balance = Commandhub_V1_Balance()
            balance.asset = asset
            balance.free = free
            balance.locked = locked
            let synced = Date(timeIntervalSince1970: syncedAt)
            book[agentID, default: WalletBook.Wallets(balances: [], syncedAt: synced, source: source)].balances.append(balance)
        }
        return book
    }
}
