import Foundation
import HubCore
import HubStorage
import Hummingbird
import Wire

/// The command log over REST: `GET /api/crypto/history/` (filtered, newest first, cursor
/// pagination), `GET /api/crypto/history/{command_id}/` and `GET /api/crypto/jobs/{job_id}/`.
///
/// Reads first wait for the store's buffered writes (read-your-writes: a command answered a
/// moment ago is in the history), unless the store is failing — reads keep working then.
package struct HistoryRoutes {
    package let history: any CommandHistoryReading
    package let writer: StoreWriter

    package init(
        history: any CommandHistoryReading,
        writer: StoreWriter
    ) {
        self.history = history
        self.writer = writer
    }

    package static let actions = ["pause", "resume", "ping", "sync_wallets", "request_status", "sell"]

    package func register(on api: APIRouter) {
        api.add(.get, "/api/crypto/history/", .requires(.read)) { request, context in try await self.list(request, context) }
        api.add(.get, "/api/crypto/history/stats/", .requires(.read)) { _, _ in try await self.stats() }
        api.add(.get, "/api/crypto/history/{command_id}/", .requires(.read)) { request, context in try await self.command(request, context)
        }
        api.add(.get, "/api/crypto/jobs/{job_id}/", .requires(.read)) { request, context in try await self.job(request, context) }
    }

    package func list(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let parameters = RequestParameters(request: request, context: context)
        var filter = CommandHistory.Filter()
        filter.agentID = try parameters.uuid("client_id")
        filter.action = try parameters.oneOf("action", Self.actions)
        filter.state = try parameters.oneOf("state", CommandState.allCases.map(\.rawValue)).flatMap(CommandState.init(rawValue:))
        filter.jobID = try parameters.uuid("job_id")
        filter.since = try parameters.date("since")
        filter.until = try parameters.date("until")
        filter.limit = try parameters.integer("limit", in: 1...1000) ?? 50
        if let cursor = try parameters.query("cursor"), !cursor.isEmpty {
            guard let value = Int64(cursor), value > 0 else {
                throw HubError.badRequest(parameter: "cursor", reason: "must be a next_cursor from a previous page")
            }
            filter.before = value
        }
        try? await self.writer.flush()
        let page = try await self.history.page(filter)
        return JSON.object([
            ("items", .array(page.entries.map(Self.item))),
            ("count", .integer(page.entries.count)),
            ("next_cursor", page.nextCursor.map { .string(String($0)) } ?? .null),
        ]).response()
    }

    /// `GET /api/crypto/history/stats/` — how many commands the log holds per state and per
    /// action and state (what `commandhub_commands_total` counts since the hub started).
    package func stats() async throws -> Response {
        try? await self.writer.flush()
        let counts = try await self.history.countsByActionAndState()
        var byState: [String: Int] = [:]
        for row in counts { byState[row.state, default: 0] += row.count }
        return JSON.object([
            ("total", .integer(counts.reduce(0) { $0 + $1.count })),
            ("by_state", .object(byState.sorted { $0.key < $1.key }.map { ($0.key, JSON.integer($0.value)) })),
            (
                "by_action_and_state",
                .array(
                    counts.map { row in
                        .object([("action", .string(row.action)), ("state", .string(row.state)), ("count", .integer(row.count))])
                    })
            ),
        ]).response()
    }

    package func command(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let id = try RequestParameters(request: request, context: context).pathUUID("command_id")
        try? await self.writer.flush()
        guard let entry = try await self.history.command(id) else { throw HubError.commandNotFound(id.lowercased) }
        return Self.item(entry).response()
    }

    package func job(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        let id = try RequestParameters(request: request, context: context).pathUUID("job_id")
        try? await self.writer.flush()
        guard let job = try await self.history.job(id) else { throw HubError.jobNotFound(id.lowercased) }
        var filter = CommandHistory.Filter()
        filter.jobID = id
        filter.limit = 1000
        let commands = try await self.history.page(filter)
        var members: [(String, JSON)] = [
            ("job_id", .string(job.jobID)), ("action", .string(job.action)), ("parameters", .raw(job.parameters)),
            ("selector", .optional(job.selector)), ("requested_by", .string(job.requestedBy)),
            ("created_at", .preciseTimestamp(job.createdAt)), ("finished_at", .preciseTimestamp(job.finishedAt)),
        ]
        members += job.counts.map { ($0.0, JSON.integer($0.1)) }
        members.append(("commands", .array(commands.entries.map(Self.item))))
        members.append(("commands_truncated", .bool(commands.nextCursor != nil)))
        return JSON.object(members).response()
    }

    /// One command of the log as REST shows it.
    package static func item(_ entry: CommandHistory.Entry) -> JSON {
        .object([
            ("command_id", .string(entry.commandID)),
            ("client_id", .string(entry.agentID)),
            ("action", .string(entry.action)),
            ("parameters", .raw(entry.parameters)),
            ("state", .string(entry.state)),
            ("requested_by", .string(entry.requestedBy)),
            ("job_id", .optional(entry.jobID)),
            ("idempotency_key", .optional(entry.idempotencyKey)),
            ("timeout_seconds", .number(Double(entry.timeoutMs) / 1000)),
            ("created_at", .preciseTimestamp(entry.createdAt)),
            ("sent_at", .preciseTimestamp(entry.sentAt)),
            ("finished_at", .preciseTimestamp(entry.finishedAt)),
            ("error_code", .optional(entry.errorCode)),
            ("message", .optional(entry.message)),
            ("result", .raw(entry.result)),
            (
                "reconciliation",
                entry.reconciledAt.map { at in
                    .object([("at", .preciseTimestamp(at)), ("report", .raw(entry.reconciledResult))])
                } ?? .null
            ),
        ])
    }
}
