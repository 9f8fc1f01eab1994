import Foundation

/// The people-facing text of `ctl` answers: tables and short lines built from the hub's JSON.
/// (`--json` bypasses all of this and prints the hub's text.)
enum Rendering {
    /// `GET /api/crypto/commands/` as a table.
    static func clients(_ clients: [JSONValue]) -> String {
        guard !clients.isEmpty else { return "No clients." }
        return Table.render(
            header: ["CLIENT ID", "NAME", "STATUS", "CONNECTED", "WALLETS", "LABELS"],
            rows: clients.map { client in
                [
                    client["client_id"].cell, client["client_name"].cell, client["status"].cell,
                    client["connected"].bool == true ? "yes" : "no", client["wallets_synced"].cell, client["labels"].cell,
                ]
            }
        )
    }

    /// An object as `key  value` lines: `order` first, then any other keys alphabetically.
    static func fields(_ object: JSONValue, order: [String] = []) -> String {
        let members = object.object
        let keys = order.filter { members[$0] != nil } + members.keys.filter { !order.contains($0) }.sorted()
        return Table.render(header: ["FIELD", "VALUE"], rows: keys.map { [$0, members[$0]?.cell ?? "-"] })
    }

    /// One command's answer: who, ok or FAILED, status, message, then what the agent returned.
    static func commandAnswer(_ answer: JSONValue) -> String {
        let result = answer["command_result"]
        let ok = result["success"].bool == true
        var lines = [
            "\(answer["client_name"].cell) (\(answer["client_id"].cell)): \(ok ? "ok" : "FAILED (\(result["error_code"].cell))")"
                + " — \(result["message"].cell); status \(result["current_status"].cell)"
        ]
        if let pong = result["pong"].object["round_trip_ms"] { lines.append("pong, round trip \(pong.cell) ms") }
        let balances = result["balances"].array
        if !balances.isEmpty {
            lines.append(
                Table.render(
                    header: ["ASSET", "FREE", "LOCKED"], rows: balances.map { [$0["asset"].cell, $0["free"].cell, $0["locked"].cell] }))
        }
        if result["report"].isPresent { lines.append(self.fields(result["report"])) }
        if result["preview"].isPresent { lines.append(self.preview(result["preview"])) }
        if result["fill"].isPresent {
            lines.append(
                self.fields(result["fill"], order: ["order_id", "client_order_id", "asset", "quantity", "price", "gross", "fee", "net"]))
        }
        lines.append("command \(answer["command_id"].cell)")
        return lines.joined(separator: "\n")
    }

    /// A sell preview as the agent's CLI shows it.
    static func preview(_ preview: JSONValue) -> String {
        let limits = preview["limits_hit"].array.map(\.cell)
        return Table.render(
            header: ["PREVIEW", ""],
            rows: [
                ["asset", preview["asset"].cell], ["quantity", preview["quantity"].cell],
                ["price", "\(preview["price"].cell) \(preview["quote_asset"].cell)"], ["gross", preview["gross"].cell],
                ["fee", "\(preview["fee"].cell) (\(preview["fee_rate"].cell))"], ["net", preview["net"].cell],
                ["available", preview["available"].cell], ["limits hit", limits.isEmpty ? "none" : limits.joined(separator: ", ")],
            ])
    }

    /// A bulk action's answer: the totals, then one row per agent.
    static func bulkAnswer(_ answer: JSONValue) -> String {
        let totals = ["targeted", "succeeded", "failed", "timed_out", "undeliverable", "skipped"]
            .map { "\(answer[$0].cell) \($0.replacingOccurrences(of: "_", with: " "))" }.joined(separator: ", ")
        let rows = answer["results"].array.map { item -> [String] in
            let result = item["result"]
            let detail = result.isPresent ? self.summary(of: result) : "\(item["error"].cell): \(item["message"].cell)"
            return [item["client_id"].cell, item["client_name"].cell, item["state"].cell, result["current_status"].cell, detail]
        }
        return "\(answer["action"].cell): \(totals) (job \(answer["job_id"].cell))\n"
            + Table.render(header: ["CLIENT ID", "NAME", "STATE", "STATUS", "DETAIL"], rows: rows)
    }

    /// One line for a `command_result`: the round trip of a pong, else the message.
    static func summary(of result: JSONValue) -> String {
        if let roundTrip = result["pong"].object["round_trip_ms"] { return "pong in \(roundTrip.cell) ms" }
        if result["success"].bool == false { return "\(result["error_code"].cell): \(result["message"].cell)" }
        return result["message"].cell
    }

    /// History items as a table, newest first as the hub sends them.
    static func history(_ items: [JSONValue]) -> String {
        Table.render(
            header: ["CREATED", "COMMAND ID", "CLIENT ID", "ACTION", "STATE", "BY", "ERROR"],
            rows: items.map { item in
                [
                    item["created_at"].cell, item["command_id"].cell, item["client_id"].cell, item["action"].cell,
                    item["state"].cell, item["requested_by"].cell, item["error_code"].cell,
                ]
            }
        )
    }

    /// One live event as one line: time, sequence number, type, and what happened.
    static func event(id: String?, type: String, _ data: JSONValue) -> String {
        let who = "\(data["client_name"].string ?? data["client_id"].cell)"
        let what: String =
            switch type {
            case "agent_connected":
                "\(who) \(data["client_id"].cell) exchange=\(data["exchange"].cell) version=\(data["version"].cell) labels=\(data["labels"].cell)"
            case "agent_disconnected": "\(who) \(data["client_id"].cell): \(data["reason"].cell)"
            case "agent_status_changed": "\(who) \(data["client_id"].cell): \(data["previous_status"].cell) → \(data["status"].cell)"
            case "command_finished":
                "\(data["action"].cell) \(data["client_id"].cell) \(data["state"].cell)"
                    + (data["error_code"].isPresent ? " (\(data["error_code"].cell))" : "")
                    + " by \(data["requested_by"].cell) in \(data["duration_ms"].cell) ms"
                    + (data["job_id"].isPresent ? " job \(data["job_id"].cell)" : "")
            default: data.cell
            }
        return "\(data["at"].cell)  #\(id ?? "-")  \(type.padding(toLength: 20, withPad: " ", startingAt: 0))  \(what)"
    }
}
