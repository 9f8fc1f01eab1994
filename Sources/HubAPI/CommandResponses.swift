import Foundation
import HubCore
import Wire

/// REST bodies that report commands: the contract's `command_result` and bulk `{total, results}`.
package enum CommandResponses {
    /// Action-specific top-level fields the contract shows beside `command_result`.
    package enum Extra {
        case none
        case ping
        case symbols([String])
        case sell(asset: String, quantity: String, minPrice: String?, preview: Bool)
    }

    /// The response to one command on one client: `client_id`, `client_name`, `connected`, the
    /// action's extra field, `command_id`, then `command_result`.
    package static func single(report: CommandReport, ack: Commandhub_V1_CommandAck, snapshot: AgentSnapshot?, extra: Extra) -> JSON {
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
            members.append(
                (
                    "sell",
                    .object([
                        ("asset", .string(asset)), ("quantity", .string(quantity)), ("min_price", .optional(minPrice)),
                        ("preview", .bool(preview)),
                    ])
                ))
        }
        members.append(("command_id", .string(report.commandID.lowercased)))
        let roundTrip = (report.sentAt ?? report.issuedAt).distance(to: report.finishedAt)
        members.append(("command_result", CommandResult.json(ack, roundTripSeconds: roundTrip)))
        return .object(members)
    }

    /// A bulk action's response: the contract's `total` and `results`, plus totals by outcome.
    /// `totals` and `remoteResults` add the parts other hubs ran (several hubs); without them
    /// the answer is this hub's `report` alone.
    package static func bulk(
        action: String, jobID: UUID, selector: LabelSelector, report: BulkReport, names: [UUID: String], totals: BulkTotals? = nil,
        remoteResults: [JSON] = []
    ) -> JSON {
        let totals = totals ?? BulkTotals(report)
        return .object([
            ("total", .integer(totals.targeted)),
            ("action", .string(action)),
            ("job_id", .string(jobID.lowercased)),
            ("selector", selector.terms.isEmpty ? .null : .string(selector.description)),
            ("targeted", .integer(totals.targeted)),
            ("succeeded", .integer(totals.succeeded)),
            ("failed", .integer(totals.failed)),
            ("timed_out", .integer(totals.timedOut)),
            ("undeliverable", .integer(totals.undeliverable)),
            ("skipped", .integer(totals.skipped)),
            ("results", .array(report.items.map { self.bulkItem($0, name: names[$0.agentID]) } + remoteResults)),
        ])
    }

    /// One agent's line: `{client_id, client_name, success, state, command_id, result}` when
    /// answered, `{…, error, message}` otherwise.
    package static func bulkItem(_ item: BulkReport.Item, name: String?) -> JSON {
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
                members.append(("result", CommandResult.json(ack, roundTripSeconds: nil)))
            } else if let error = report.error {
                members += [("error", .string(error.code)), ("message", .string(error.message))]
            }
        }
        return .object(members)
    }
}
