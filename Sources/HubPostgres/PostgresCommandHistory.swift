import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import Wire

/// Reads of the command log in PostgreSQL: the same filters, order and cursor as the SQLite
/// `CommandHistory`.
package struct PostgresCommandHistory: CommandHistoryReading {
    package let client: PostgresClient
    package let logger: Logger

    package init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    static let columns = """
        seq, command_id, agent_id, action, parameters, requested_by, job_id, idempotency_key, state, timeout_ms,
        created_at, sent_at, finished_at, error_code, message, result, reconciled_at, reconciled_result
        """

    package func page(_ filter: CommandHistory.Filter) async throws(HubError) -> CommandHistory.Page {
        var conditions: [String] = []
        var binds = PostgresBindings()
        func condition(_ sql: String, _ value: some PostgresDynamicTypeEncodable) {
            binds.append(value)
            conditions.append(sql.replacingOccurrences(of: "?", with: "$\(binds.count)"))
        }
        if let agentID = filter.agentID { condition("agent_id = ?", agentID.lowercased) }
        if let action = filter.action { condition("action = ?", action) }
        if let state = filter.state { condition("state = ?", state.rawValue) }
        if let jobID = filter.jobID { condition("job_id = ?", jobID.lowercased) }
        if let since = filter.since { condition("created_at >= ?", since.timeIntervalSince1970) }
        if let until = filter.until { condition("created_at < ?", until.timeIntervalSince1970) }
        if let before = filter.before { condition("seq < ?", before) }
        let limit = max(1, min(filter.limit, 1000))
        let sql =
            "SELECT \(Self.columns) FROM command" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY seq DESC LIMIT \(limit + 1)"
        let rows = try await self.entries(PostgresQuery(unsafeSQL: sql, binds: binds))
        let entries = Array(rows.prefix(limit))
        return CommandHistory.Page(entries: entries, nextCursor: rows.count > limit ? entries.last?.sequence : nil)
    }

    package func command(_ id: UUID) async throws(HubError) -> CommandHistory.Entry? {
        try await self.entries("SELECT \(unescaped: Self.columns) FROM command WHERE command_id = \(id.lowercased)").first
    }

    package func job(_ id: UUID) async throws(HubError) -> CommandHistory.Job? {
        let names = ["targeted", "succeeded", "failed", "timed_out", "undeliverable", "skipped"]
        return try await self.read { client, logger in
            let rows = try await client.query(
                """
                SELECT job_id, action, parameters, selector, requested_by, created_at, finished_at,
                    targeted, succeeded, failed, timed_out, undeliverable, skipped
                FROM job WHERE job_id = \(id.lowercased)
                """, logger: logger)
            var job: CommandHistory.Job?
            for try await row in rows {
                let row = row.makeRandomAccess()
                job = CommandHistory.Job(
                    jobID: try row["job_id"].decode(String.self), action: try row["action"].decode(String.self),
                    parameters: try row["parameters"].decode(String.self), selector: try row["selector"].decode(String?.self),
                    requestedBy: try row["requested_by"].decode(String.self),
                    createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
                    finishedAt: try row["finished_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                    counts: try names.map { ($0, Int(try row[$0].decode(Int64.self))) }
                )
            }
            return job
        }
    }

    package func unresolved(agentID: UUID, since: Date) async throws -> [UUID] {
        try await self.unresolved(agentID: agentID, since: since, limit: 1000)
    }

    package func unresolved(agentID: UUID, since: Date, limit: Int) async throws(HubError) -> [UUID] {
        try await self.read { client, logger in
            let rows = try await client.query(
                """
                SELECT command_id FROM command
                WHERE agent_id = \(agentID.lowercased) AND \(unescaped: CommandHistory.awaitingReconciliation)
                  AND sent_at IS NOT NULL AND reconciled_at IS NULL AND created_at >= \(since.timeIntervalSince1970)
                ORDER BY seq DESC LIMIT \(Int64(limit))
                """, logger: logger)
            var ids: [UUID] = []
            for try await id in rows.decode(String.self) { if let uuid = UUID(uuidString: id) { ids.append(uuid) } }
            return ids
        }
    }

    package func countsByActionAndState() async throws(HubError) -> [(action: String, state: String, count: Int)] {
        try await self.read { client, logger in
            let rows = try await client.query(
                "SELECT action, state, COUNT(*) FROM command GROUP BY action, state ORDER BY action, state", logger: logger)
            var counts: [(action: String, state: String, count: Int)] = []
            for try await (action, state, count) in rows.decode((String, String, Int64).self) {
                counts.append((action, state, Int(count)))
            }
            return counts
        }
    }

    package func countsByState(since: Date?) async throws(HubError) -> [String: Int] {
        try await self.read { client, logger in
            let rows = try await client.query(
                "SELECT state, COUNT(*) FROM command WHERE created_at >= \(since?.timeIntervalSince1970 ?? 0) GROUP BY state",
                logger: logger)
            var counts: [String: Int] = [:]
            for try await (state, count) in rows.decode((String, Int64).self) { counts[state] = Int(count) }
            return counts
        }
    }

    private func entries(_ query: PostgresQuery) async throws(HubError) -> [CommandHistory.Entry] {
        try await self.read { client, logger in
            var entries: [CommandHistory.Entry] = []
            for try await row in try await client.query(query, logger: logger) {
                entries.append(try Self.entry(row.makeRandomAccess()))
            }
            return entries
        }
    }

    /// Runs a read within `PostgresAccess`'s deadline; a failure is `storeUnavailable` with the
    /// server's reason.
    private func read<T: Sendable>(
        _ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T
    ) async throws(HubError) -> T {
        try await PostgresAccess(client: self.client, logger: self.logger).run(body)
    }

    static func entry(_ row: PostgresRandomAccessRow) throws -> CommandHistory.Entry {
        func date(_ column: String) throws -> Date? { try row[column].decode(Double?.self).map(Date.init(timeIntervalSince1970:)) }
        return CommandHistory.Entry(
            sequence: try row["seq"].decode(Int64.self), commandID: try row["command_id"].decode(String.self),
            agentID: try row["agent_id"].decode(String.self), action: try row["action"].decode(String.self),
            parameters: try row["parameters"].decode(String.self), requestedBy: try row["requested_by"].decode(String.self),
            jobID: try row["job_id"].decode(String?.self), idempotencyKey: try row["idempotency_key"].decode(String?.self),
            state: try row["state"].decode(String.self), timeoutMs: try row["timeout_ms"].decode(Int64.self),
            createdAt: try date("created_at") ?? Date(timeIntervalSince1970: 0), sentAt: try date("sent_at"),
            finishedAt: try date("finished_at"), errorCode: try row["error_code"].decode(String?.self),
            message: try row["message"].decode(String?.self), result: try row["result"].decode(String?.self),
            reconciledAt: try date("reconciled_at"), reconciledResult: try row["reconciled_result"].decode(String?.self)
        )
    }
}
