import Foundation
import GRDB
import HubCore
import Wire

/// The SQL each `StoreWrite` becomes. Statements are cached per connection: the writer runs the
/// same few thousands of times a second.
extension StoreWriter {
    package static func apply(_ write: StoreWrite, in db: Database) throws {
        switch write {
        case .commandCreated(let record):
            // The writer folds every creation into a row; this is the same insert, unfolded.
            try Self.apply(.commandRow(record, sentAt: nil, final: nil), in: db)
        case .commandRow(let record, let sentAt, let final):
            let state = final?.state ?? (sentAt == nil ? .pending : .sent)
            try db.cachedStatement(
                sql: """
                    INSERT INTO command (command_id, agent_id, action, parameters, requested_by, job_id, idempotency_key,
                        state, timeout_ms, created_at, sent_at, finished_at, error_code, message, result)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                record.commandID.lowercased, record.agentID.lowercased, record.action, record.parameters,
                record.requestedBy, record.jobID?.lowercased, record.idempotencyKey, state.rawValue,
                record.timeout.wholeMilliseconds, record.createdAt.timeIntervalSince1970, sentAt?.timeIntervalSince1970,
                final?.finishedAt.timeIntervalSince1970, final?.errorCode, final?.message, final?.result,
            ])
        case .commandSent(let id, let at):
            try db.cachedStatement(sql: "UPDATE command SET state = 'sent', sent_at = ? WHERE command_id = ? AND state = 'pending'")
                .execute(arguments: [at.timeIntervalSince1970, id.lowercased])
        case .commandFinished(let final):
            try db.cachedStatement(
                sql: """
                    UPDATE command SET state = ?, sent_at = COALESCE(sent_at, ?), finished_at = ?, error_code = ?, message = ?, result = ?
                    WHERE command_id = ? AND state IN ('pending', 'sent')
                    """
            ).execute(arguments: [
                final.state.rawValue, final.sentAt?.timeIntervalSince1970, final.finishedAt.timeIntervalSince1970,
                final.errorCode, final.message, final.result, final.commandID.lowercased,
            ])
        case .commandReconciled(let id, let agentID, let at, let result):
            try db.cachedStatement(
                sql: """
                    UPDATE command SET reconciled_at = ?, reconciled_result = ?
                    WHERE command_id = ? AND agent_id = ? AND reconciled_at IS NULL AND \(CommandHistory.awaitingReconciliation)
                    """
            ).execute(arguments: [at.timeIntervalSince1970, result, id.lowercased, agentID.lowercased])
        case .jobCreated(let job):
            try db.cachedStatement(
                sql: """
                    INSERT INTO job (job_id, action, parameters, selector, requested_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
                    """
            ).execute(arguments: [
                job.jobID.lowercased, job.action, job.parameters, job.selector, job.requestedBy, job.createdAt.timeIntervalSince1970,
            ])
        case .jobFinished(let result):
            try db.cachedStatement(
                sql: """
                    UPDATE job SET finished_at = ?, targeted = ?, succeeded = ?, failed = ?, timed_out = ?, undeliverable = ?, skipped = ?
                    WHERE job_id = ?
                    """
            ).execute(arguments: [
                result.finishedAt.timeIntervalSince1970, result.targeted, result.succeeded, result.failed,
                result.timedOut, result.undeliverable, result.skipped, result.jobID.lowercased,
            ])
        case .agentConnected(let snapshot, let credential):
            try db.cachedStatement(
                sql: """
                    INSERT INTO agent (agent_id, name, version, exchange, labels, capabilities, credential, status, wallets_synced,
                        sync_requests, last_sync, last_heartbeat, first_seen, last_seen, connected_at, connected)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
                    ON CONFLICT(agent_id) DO UPDATE SET name = excluded.name, version = excluded.version, exchange = excluded.exchange,
                        labels = excluded.labels, capabilities = excluded.capabilities, credential = excluded.credential,
                        status = excluded.status, last_seen = excluded.last_seen, connected_at = excluded.connected_at, connected = 1
                    """
            ).execute(arguments: [
                snapshot.agentID.lowercased, snapshot.identity.name, snapshot.identity.version, snapshot.identity.exchange,
                JSONText.encode(snapshot.identity.labels), JSONText.encode(snapshot.identity.capabilities), credential,
                snapshot.status.name, snapshot.walletsSynced, Int64(clamping: snapshot.syncRequests),
                snapshot.lastSync?.timeIntervalSince1970, snapshot.lastHeartbeat?.timeIntervalSince1970,
                snapshot.connectedAt.timeIntervalSince1970, snapshot.lastSeen.timeIntervalSince1970,
                snapshot.connectedAt.timeIntervalSince1970,
            ])
        case .walletsRecorded(let agentID, let wallets):
            try db.cachedStatement(sql: "DELETE FROM agent_wallet WHERE agent_id = ?").execute(arguments: [agentID.lowercased])
            for balance in wallets.balances {
                try db.cachedStatement(
                    sql: """
                        INSERT INTO agent_wallet (agent_id, asset, free, locked, synced_at, source) VALUES (?, ?, ?, ?, ?, ?)
                        """
                ).execute(arguments: [
                    agentID.lowercased, balance.asset, balance.free, balance.locked.isEmpty ? "0" : balance.locked,
                    wallets.syncedAt.timeIntervalSince1970, wallets.source,
                ])
            }
        case .agentDisconnected(let snapshot):
            try self.applyState(snapshot, in: db)
            try db.cachedStatement(sql: "UPDATE agent SET connected = 0 WHERE agent_id = ?").execute(arguments: [
                snapshot.agentID.lowercased
            ])
        }
    }

    /// Writes the counters and times a heartbeat or an ack changed.
    package static func applyState(_ snapshot: AgentSnapshot, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                UPDATE agent SET status = ?, wallets_synced = ?, sync_requests = ?, last_sync = ?, last_heartbeat = ?, last_seen = ?
                WHERE agent_id = ?
                """
        ).execute(arguments: [
            snapshot.status.name, snapshot.walletsSynced, Int64(clamping: snapshot.syncRequests),
            snapshot.lastSync?.timeIntervalSince1970, snapshot.lastHeartbeat?.timeIntervalSince1970,
            snapshot.lastSeen.timeIntervalSince1970, snapshot.agentID.lowercased,
        ])
    }
}
