import Foundation
import Wire

/// REST bodies that report commands: the seed's `command_result` and bulk `{total, results}`.
enum CommandResponses {
    /// Action-specific top-level fields the seed shows beside `command_result`.
    enum Extra {
        case none
        case ping
        case symbols([String])
        case sell(asset: String, quantity: String, minPrice: String?, preview: Bool)
    }

    /// The response to one command on one client: `client_id`, `client_name`, `connected`, the
    /// action's extra field, `command_id`, then `command_result`.
    static func single(report: CommandReport, ack: Commandhub_V1_CommandAck, snapshot: AgentSnapshot?, extra: Extra) -> JSON {
        var members: [(String, JSON)] = [
            ("client_id", .string(report.agentID.lowercased)),
            ("client_name", .string(snapshot?.identity.name ?? "")),
            ("connected", .bool(snapshot?.connected ?? false)),
        ]
        switch extra {
        case .none: break
        case .ping: members.append(("ping", .string(ack.success ? "pong" : "no-pong")))
        case .symbols(let symbols): members.append(("symbols", .array(symbols.map(JSON.string))))
        case .sell(let asset, let quantity, let minPrice, let preview):
            members.append(("sell", .object([
                ("asset", .string(asset)), ("quantity", .string(quantity)), ("min_price", .optional(minPrice)), ("preview", .bool(preview)),
            ])))
        }
        members.append(("command_id", .string(report.commandID.lowercased)))
        let roundTrip = (report.sentAt ?? report.issuedAt).distance(to: report.finishedAt)
        members.append(("command_result", self.result(ack, roundTripSeconds: roundTrip)))
        return .object(members)
    }

    /// The seed's `command_result` (`success`, `message`, `current_status`) followed by the
    /// typed result the agent sent, when there is one.
    static func result(_ ack: Commandhub_V1_CommandAck, roundTripSeconds: Double?) -> JSON {
        var members: [(String, JSON)] = [
            ("success", .bool(ack.success)),
            ("message", .string(ack.message)),
            ("current_status", .string(ack.status.name)),
        ]
        if !ack.success { members.append(("error_code", .string(ack.errorCode.isEmpty ? "failed" : ack.errorCode))) }
        if ack.replayed { members.append(("replayed", .bool(true))) }
        switch ack.result {
        case .pong(let pong):
            var body: [(String, JSON)] = [("agent_time", .timestamp(WireTime.date(milliseconds: pong.agentTimeMs)))]
            if let roundTripSeconds { body.append(("round_trip_ms", .number((roundTripSeconds * 1_000_000).rounded() / 1000))) }
            members.append(("pong", .object(body)))
        case .balances(let balances):
            members.append(("balances", .array(balances.balances.map(self.balance))))
            members.append(("synced_at", .timestamp(WireTime.date(milliseconds: balances.syncedAtMs))))
        case .statusReport(let report):
            var body: [(String, JSON)] = [
                ("status", .string(report.status.name)),
                ("wallets_synced", .integer(report.walletsSynced)),
                ("sync_requests", .integer(report.syncRequests)),
                ("last_sync", .timestamp(WireTime.date(milliseconds: report.lastSyncMs))),
                ("uptime_seconds", .number(Double(report.uptimeMs) / 1000)),
                ("commands_handled", .integer(report.commandsHandled)),
                ("commands_failed", .integer(report.commandsFailed)),
            ]
            if !report.stats.isEmpty { body.append(("stats", ClientResponses.labels(report.stats))) }
            members.append(("report", .object(body)))
        case .sellPreview(let preview):
            members.append(("preview", .object([
                ("asset", .string(preview.asset)), ("quote_asset", .string(preview.quoteAsset)),
                ("quantity", .string(preview.quantity)), ("price", .string(preview.price)),
                ("gross", .string(preview.gross)), ("fee", .string(preview.fee)), ("net", .string(preview.net)),
                ("fee_rate", .string(preview.feeRate)), ("available", .string(preview.available)),
                ("limits_hit", .array(preview.limitsHit.map(JSON.string))),
            ])))
        case .sellFill(let fill):
            members.append(("fill", .object([
                ("order_id", .string(fill.orderID)), ("client_order_id", .string(fill.clientOrderID)),
                ("asset", .string(fill.asset)), ("quote_asset", .string(fill.quoteAsset)),
                ("quantity", .string(fill.quantity)), ("price", .string(fill.price)),
                ("gross", .string(fill.gross)), ("fee", .string(fill.fee)), ("net", .string(fill.net)),
                ("executed_at", .timestamp(WireTime.date(milliseconds: fill.executedAtMs))),
            ])))
        case nil:
            break
        }
        return .object(members)
    }

    static func balance(_ balance: Commandhub_V1_Balance) -> JSON {
        .object([
            ("asset", .string(balance.asset)),
            ("free", .string(balance.free)),
            ("locked", .string(balance.locked.isEmpty ? "0" : balance.locked)),
        ])
    }

    /// A bulk action's response: the seed's `total` and `results`, plus totals by outcome.
    static func bulk(action: String, jobID: UUID, selector: LabelSelector, report: BulkReport, names: [UUID: String]) -> JSON {
        .object([
            ("total", .integer(report.targeted)),
            ("action", .string(action)),
            ("job_id", .string(jobID.lowercased)),
            ("selector", selector.terms.isEmpty ? .null : .string(selector.description)),
            ("targeted", .integer(report.targeted)),
            ("succeeded", .integer(report.succeeded)),
            ("failed", .integer(report.failed)),
            ("timed_out", .integer(report.timedOut)),
            ("undeliverable", .integer(report.undeliverable)),
            ("skipped", .integer(report.skipped)),
            ("results", .array(report.items.map { self.bulkItem($0, name: names[$0.agentID]) })),
        ])
    }

    /// One agent's line: `{client_id, client_name, success, state, command_id, result}` when
    /// answered, `{…, error, message}` otherwise.
    static func bulkItem(_ item: BulkReport.Item, name: String?) -> JSON {
        var members: [(String, JSON)] = [
            ("client_id", .string(item.agentID.lowercased)),
            ("client_name", .optional(name)),
        ]
        switch item {
        case .skipped:
            members += [
                ("success", .bool(false)), ("state", .string("skipped")), ("error", .string("skipped")),
                ("message", .string("Not sent: the error budget of this bulk action was spent")),
            ]
        case .finished(let report):
            members += [
                ("success", .bool(report.state == .acknowledged)),
                ("state", .string(report.state.rawValue)),
                ("command_id", .string(report.commandID.lowercased)),
            ]
            if let ack = report.ack {
                members.append(("result", self.result(ack, roundTripSeconds: nil)))
            } else if let error = report.error {
                members += [("error", .string(error.code)), ("message", .string(error.message))]
            }
        }
        return .object(members)
    }
}
