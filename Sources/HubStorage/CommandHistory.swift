import Foundation
import GRDB
import HubCore
import Wire

/// Reads of the command log: filtered, newest first, with a cursor that stays stable while new
/// commands are inserted (it is the log's insertion sequence, and pages walk towards older ones).
package struct CommandHistory: UnresolvedCommands {
    package let database: HubDatabase

    package init(database: HubDatabase) {
        self.database = database
    }

    package struct Filter: Sendable, Equatable {
        package var agentID: UUID?
        package var action: String?
        package var state: CommandState?
        package var jobID: UUID?
        package var since: Date?
        package var until: Date?
        /// Only entries older than this cursor (from a previous page's `nextCursor`).
        package var before: Int64?
        package var limit: Int = 50

        package init() {}
    }

    /// One command as the log holds it.
    package struct Entry: Sendable {
        package var sequence: Int64
        package var commandID: String
        package var agentID: String
        package var action: String
        package var parameters: String
        package var requestedBy: String
        package var jobID: String?
        package var idempotencyKey: String?
        package var state: String
        package var timeoutMs: Int64
        package var createdAt: Date
        package var sentAt: Date?
        package var finishedAt: Date?
        package var errorCode: String?
        package var message: String?
        package var result: String?
        package var reconciledAt: Date?
        package var reconciledResult: String?

        package init(
            sequence: Int64,
            commandID: String,
            agentID: String,
            action: String,
            parameters: String,
            requestedBy: String,
            jobID: String? = nil,
            idempotencyKey: String? = nil,
            state: String,
            timeoutMs: Int64,
            createdAt: Date,
            sentAt: Date? = nil,
            finishedAt: Date? = nil,
            errorCode: String? = nil,
            message: String? = nil,
            result: String? = nil,
            reconciledAt: Date? = nil,
            reconciledResult: String? = nil
        ) {
            self.sequence = sequence
            self.commandID = commandID
            self.agentID = agentID
            self.action = action
            self.parameters = parameters
            self.requestedBy = requestedBy
            self.jobID = jobID
            self.idempotencyKey = idempotencyKey
            self.state = state
            self.timeoutMs = timeoutMs
            self.createdAt = createdAt
            self.sentAt = sentAt
            self.finishedAt = finishedAt
            self.errorCode = errorCode
            self.message = message
            self.result = result
            self.reconciledAt = reconciledAt
            self.reconciledResult = reconciledResult
        }
    }

    /// A bulk job as the log holds it.
    package struct Job: Sendable {
        package var jobID: String
        package var action: String
        package var parameters: String
        package var selector: String?
        package var requestedBy: String
        package var createdAt: Date
        package var finishedAt: Date?
        package var counts: [(String, Int)]

        package init(
            jobID: String,
            action: String,
            parameters: String,
            selector: String? = nil,
            requestedBy: String,
            createdAt: Date,
            finishedAt: Date? = nil,
            counts: [(String, Int)]
        ) {
            self.jobID = jobID
            self.action = action
            self.parameters = parameters
            self.selector = selector
            self.requestedBy = requestedBy
            self.createdAt = createdAt
            self.finishedAt = finishedAt
            self.counts = counts
        }
    }

    package struct Page: Sendable {
        package var entries: [Entry]
        /// Pass as `before` to get the next (older) page; nil on the last page.
        package var nextCursor: Int64?

        package init(

            entries: [Entry],

            nextCursor: Int64? = nil

        ) {

            self.entries = entries

            self.nextCursor = nextCursor

        }
    }

    package func page(_ filter: Filter) async throws(HubError) -> Page {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let agentID = filter.agentID { conditions.append("agent_id = ?"); arguments += [agentID.lowercased] }
        if let action = filter.action { conditions.append("action = ?"); arguments += [action] }
        if let state = filter.state { conditions.append("state = ?"); arguments += [state.rawValue] }
        if let jobID = filter.jobID { conditions.append("job_id = ?"); arguments += [jobID.lowercased] }
        if let since = filter.since { conditions.append("created_at >= ?"); arguments += [since.timeIntervalSince1970] }
        if let until = filter.until { conditions.append("created_at < ?"); arguments += [until.timeIntervalSince1970] }
        if let before = filter.before { conditions.append("seq < ?"); arguments += [before] }
        let limit = max(1, min(filter.limit, 1000))
        let sql =
            "SELECT * FROM command" + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY seq DESC LIMIT \(limit + 1)"
        let finalArguments = arguments
        let rows = try await self.read { db in try Row.fetchAll(db, sql: sql, arguments: finalArguments).map(Self.entry) }
        let entries = Array(rows.prefix(limit))
        return Page(entries: entries, nextCursor: rows.count > limit ? entries.last?.sequence : nil)
    }

    package func command(_ id: UUID) async throws(HubError) -> Entry? {
        try await self.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM command WHERE command_id = ?", arguments: [id.lowercased]).map(Self.entry)
        }
    }

    package func job(_ id: UUID) async throws(HubError) -> Job? {
        try await self.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM job WHERE job_id = ?", arguments: [id.lowercased]).map { row in
                Job(
                    jobID: row["job_id"], action: row["action"], parameters: row["parameters"], selector: row["selector"],
                    requestedBy: row["requested_by"], createdAt: Date(timeIntervalSince1970: row["created_at"]),
                    finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                    counts: ["targeted", "succeeded", "failed", "timed_out", "undeliverable", "skipped"].map { ($0, row[$0] as Int) }
                )
            }
        }
    }

    /// Commands of `agentID` that were sent but ended without the agent's answer — or with an
    /// `outcome_unknown` answer (its exchange could not tell yet) — and were not reconciled yet,
    /// newest first: their outcome is known only to the agent (reads excluded).
    package func unresolved(agentID: UUID, since: Date) async throws -> [UUID] {
        try await self.unresolved(agentID: agentID, since: since, limit: 1000)
    }

    package func unresolved(agentID: UUID, since: Date, limit: Int) async throws(HubError) -> [UUID] {
        try await self.read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT command_id FROM command
                    WHERE agent_id = ? AND \(Self.awaitingReconciliation) AND sent_at IS NOT NULL
                      AND reconciled_at IS NULL AND created_at >= ?
                    ORDER BY seq DESC LIMIT ?
                    """,
                arguments: [agentID.lowercased, since.timeIntervalSince1970, limit]
            ).compactMap(UUID.init(uuidString:))
        }
    }

    /// The commands whose outcome only the agent can tell: no answer, or "unknown yet". Reads
    /// (ping, request_status) change nothing on the agent, which keeps no record of them: there
    /// is nothing to learn about them later.
    package static let awaitingReconciliation =
        "(state IN ('timed_out', 'undeliverable') OR (state = 'failed' AND error_code = 'outcome_unknown'))"
        + " AND action NOT IN ('ping', 'request_status')"

    /// How many commands there are per action and state.
    package func countsByActionAndState() async throws(HubError) -> [(action: String, state: String, count: Int)] {
        try await self.read { db in
            try Row.fetchAll(db, sql: "SELECT action, state, COUNT(*) AS n FROM command GROUP BY action, state ORDER BY action, state")
                .map { ($0["action"], $0["state"], $0["n"]) }
        }
    }

    /// How many commands are in each state (all time, or since `since`).
    package func countsByState(since: Date?) async throws(HubError) -> [String: Int] {
        try await self.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT state, COUNT(*) AS n FROM command WHERE created_at >= ? GROUP BY state",
                arguments: [since?.timeIntervalSince1970 ?? 0]
            )
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["state"] as String, $0["n"] as Int) })
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(HubError) -> T {
        do {
            return try await self.database.pool.read(body)
        } catch {
            throw .storeUnavailable(StoreWriter.describe(error))
        }
    }

    package static func entry(_ row: Row) -> Entry {
        func date(_ column: String) -> Date? { (row[column] as Double?).map(Date.init(timeIntervalSince1970:)) }
        return Entry(
            sequence: row["seq"], commandID: row["command_id"], agentID: row["agent_id"], action: row["action"],
            parameters: row["parameters"], requestedBy: row["requested_by"], jobID: row["job_id"],
            idempotencyKey: row["idempotency_key"], state: row["state"], timeoutMs: row["timeout_ms"],
            createdAt: date("created_at") ?? Date(timeIntervalSince1970: 0), sentAt: date("sent_at"), finishedAt: date("finished_at"),
            errorCode: row["error_code"], message: row["message"], result: row["result"],
            reconciledAt: date("reconciled_at"), reconciledResult: row["reconciled_result"]
        )
    }
}
