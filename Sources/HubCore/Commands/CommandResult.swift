import Foundation
import Wire

/// An agent's answer to a command, rendered as JSON once for everyone who shows or keeps it:
/// the REST responses, the command log's `result` column, reconciliation reports.
package enum CommandResult {
    /// `command_result` as REST shows it: `success`, `message`, `current_status` (the keys
    /// existing clients read, in their order), then the typed result the agent sent, when
    /// there is one.
    package static func json(_ ack: Commandhub_V1_CommandAck, roundTripSeconds: Double?) -> JSON {
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
            if !report.stats.isEmpty { body.append(("stats", JSON.labels(report.stats))) }
            members.append(("report", .object(body)))
        case .sellPreview(let preview):
            members.append(
                (
                    "preview",
                    .object([
                        ("asset", .string(preview.asset)), ("quote_asset", .string(preview.quoteAsset)),
                        ("quantity", .string(preview.quantity)), ("price", .string(preview.price)),
                        ("gross", .string(preview.gross)), ("fee", .string(preview.fee)), ("net", .string(preview.net)),
                        ("fee_rate", .string(preview.feeRate)), ("available", .string(preview.available)),
                        ("limits_hit", .array(preview.limitsHit.map(JSON.string))),
                    ])
                ))
        case .sellFill(let fill):
            members.append(
                (
                    "fill",
                    .object([
                        ("order_id", .string(fill.orderID)), ("client_order_id", .string(fill.clientOrderID)),
                        ("asset", .string(fill.asset)), ("quote_asset", .string(fill.quoteAsset)),
                        ("quantity", .string(fill.quantity)), ("price", .string(fill.price)),
                        ("gross", .string(fill.gross)), ("fee", .string(fill.fee)), ("net", .string(fill.net)),
                        ("executed_at", .timestamp(WireTime.date(milliseconds: fill.executedAtMs))),
                    ])
                ))
        case nil:
            break
        }
        return .object(members)
    }

    package static func balance(_ balance: Commandhub_V1_Balance) -> JSON {
        .object([
            ("asset", .string(balance.asset)),
            ("free", .string(balance.free)),
            ("locked", .string(balance.locked.isEmpty ? "0" : balance.locked)),
        ])
    }
}
