import Foundation

/// What a soak must leave behind, read from the hub's `/metrics` and `/api/crypto/history/stats/`:
/// nothing pending, no command in a non-final state, and `commandhub_commands_total` equal to
/// the log, per action and state.
struct SoakChecks {
    var pending = -1
    var nonFinal = -1
    var total = 0
    var metricsMatchLog = false

    init(metrics: String, stats: String) {
        func value(_ series: String) -> Double? {
            metrics.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
        }
        self.pending = value("commandhub_commands_pending").map { Int($0) } ?? -1
        guard let document = try? JSONSerialization.jsonObject(with: Data(stats.utf8)) as? [String: Any],
            let byState = document["by_state"] as? [String: Int],
            let rows = document["by_action_and_state"] as? [[String: Any]]
        else { return }
        self.total = document["total"] as? Int ?? 0
        self.nonFinal = (byState["pending"] ?? 0) + (byState["sent"] ?? 0)
        self.metricsMatchLog = rows.allSatisfy { row in
            guard let action = row["action"] as? String, let state = row["state"] as? String, let count = row["count"] as? Int else {
                return false
            }
            return value("commandhub_commands_total{action=\"\(action)\",state=\"\(state)\"}") == Double(count)
        }
    }
}
