import Foundation
import HubCore
import HubStorage
import PostgresNIO
import Wire

/// The SQL each `StoreWrite` becomes in PostgreSQL: the same rows, guards and upserts as the
/// SQLite writer's (`StoreWriter+Apply.swift`), with `$n` binds.
enum PostgresWrites {
    static func queries(for write: StoreWrite, hubID: String) -> [PostgresQuery] {
        switch write {
        case .commandCreated(let record):
            return Self.queries(for: .commandRow(record, sentAt: nil, final: nil), hubID: hubID)
        case .commandRow(let record, let sentAt, let final):
            let state = final?.state ?? (sentAt == nil ? .pending : .sent)
            return [
                """
                INSERT INTO command (command_id, agent_id, action, parameters, requested_by, job_id, idempotency_key,
                    state, timeout_ms, created_at, sent_at, finished_at, error_code, message, result, hub_id)
                VALUES (\(record.commandID.lowercased), \(record.agentID.lowercased), \(record.action), \(record.parameters),
                    \(record.requestedBy), \(record.jobID?.lowercased), \(record.idempotencyKey), \(state.rawValue),
                    \(Int64(record.timeout.wholeMilliseconds)), \(record.createdAt.timeIntervalSince1970),
                    \(sentAt?.timeIntervalSince1970), \(final?.finishedAt.timeIntervalSince1970), \(final?.errorCode),
                    \(final?.message), \(final?.result), \(hubID))
                ON CONFLICT (command_id) DO NOTHING
                """
            ]
        case .commandSent(let id, let at):
            return [
                "UPDATE command SET state = 'sent', sent_at = \(at.timeIntervalSince1970) WHERE command_id = \(id.lowercased) AND state = 'pending'"
            ]
        case .commandFinished(let final):
            return [
                """
                UPDATE command SET state = \(final.state.rawValue), sent_at = COALESCE(sent_at, \(final.sentAt?.timeIntervalSince1970)),
                    finished_at = \(final.finishedAt.timeIntervalSince1970), error_code = \(final.errorCode), message = \(final.message),
                    result = \(final.result)
                WHERE command_id = \(final.commandID.lowercased) AND state IN ('pending', 'sent')
                """
            ]
        case .commandReconciled(let id, let agentID, let at, let result):
            return [
                """
                UPDATE command SET reconciled_at = \(at.timeIntervalSince1970), reconciled_result = \(result)
                WHERE command_id = \(id.lowercased) AND agent_id = \(agentID.lowercased) AND reconciled_at IS NULL
                    AND \(unescaped: CommandHistory.awaitingReconciliation)
                """
            ]
        case .jobCreated(let job):
            return [
                """
                INSERT INTO job (job_id, action, parameters, selector, requested_by, created_at)
                VALUES (\(job.jobID.lowercased), \(job.action), \(job.parameters), \(job.selector), \(job.requestedBy),
                    \(job.createdAt.timeIntervalSince1970))
                ON CONFLICT (job_id) DO NOTHING
                """
            ]
        case .jobFinished(let result):
            return [
                """
                UPDATE job SET finished_at = \(result.finishedAt.timeIntervalSince1970), targeted = \(result.targeted),
                    succeeded = \(result.succeeded), failed = \(result.failed), timed_out = \(result.timedOut),
                    undeliverable = \(result.undeliverable), skipped = \(result.skipped)
                WHERE job_id = \(result.jobID.lowercased)
                """
            ]
        case .agentConnected(let snapshot, let credential):
            return [
                """
                INSERT INTO agent (agent_id, name, version, exchange, labels, capabilities, credential, status, wallets_synced,
                    sync_requests, last_sync, last_heartbeat, first_seen, last_seen, connected_at, connected, hub_id)
                VALUES (\(snapshot.agentID.lowercased), \(snapshot.identity.name), \(snapshot.identity.version),
                    \(snapshot.identity.exchange), \(JSONText.encode(snapshot.identity.labels)),
                    \(JSONText.encode(snapshot.identity.capabilities)), \(credential), \(snapshot.status.name),
                    \(Int64(snapshot.walletsSynced)), \(Int64(clamping: snapshot.syncRequests)), \(snapshot.lastSync?.timeIntervalSince1970),
                    \(snapshot.lastHeartbeat?.timeIntervalSince1970), \(snapshot.connectedAt.timeIntervalSince1970),
                    \(snapshot.lastSeen.timeIntervalSince1970), \(snapshot.connectedAt.timeIntervalSince1970), TRUE, \(hubID))
                ON CONFLICT (agent_id) DO UPDATE SET name = excluded.name, version = excluded.version, exchange = excluded.exchange,
                    labels = excluded.labels, capabilities = excluded.capabilities, credential = excluded.credential,
                    status = excluded.status, last_seen = excluded.last_seen, connected_at = excluded.connected_at, connected = TRUE,
                    hub_id = excluded.hub_id
                """
            ]
        case .walletsRecorded(let agentID, let wallets):
            let delete: PostgresQuery = "DELETE FROM agent_wallet WHERE agent_id = \(agentID.lowercased)"
            return [delete]
                + wallets.balances.map { balance in
                    """
                    INSERT INTO agent_wallet (agent_id, asset, free, locked, synced_at, source)
                    VALUES (\(agentID.lowercased), \(balance.asset), \(balance.free)::numeric,
                        \(balance.locked.isEmpty ? "0" : balance.locked)::numeric, \(wallets.syncedAt.timeIntervalSince1970),
                        \(wallets.source))
                    """
                }
        case .agentDisconnected(let snapshot):
            return [
                Self.state(snapshot),
                "UPDATE agent SET connected = FALSE WHERE agent_id = \(snapshot.agentID.lowercased) AND hub_id = \(hubID)",
            ]
        }
    }

    /// The counters and times a heartbeat or an ack changed.
    static func state(_ snapshot: AgentSnapshot) -> PostgresQuery {
        """
        UPDATE agent SET status = \(snapshot.status.name), wallets_synced = \(Int64(snapshot.walletsSynced)),
            sync_requests = \(Int64(clamping: snapshot.syncRequests)), last_sync = \(snapshot.lastSync?.timeIntervalSince1970),
            last_heartbeat = \(snapshot.lastHeartbeat?.timeIntervalSince1970), last_seen = \(snapshot.lastSeen.timeIntervalSince1970)
        WHERE agent_id = \(snapshot.agentID.lowercased)
        """
    }
}
