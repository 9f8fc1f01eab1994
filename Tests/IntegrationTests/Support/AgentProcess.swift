import Foundation
import TestSupport

/// A real `crypto-agent run` process with its own state file, for tests that freeze, kill or
/// restart one: debug logs on, fast reconnects, optional exchange latency.
struct AgentProcess {
    let child: ChildProcess
    let agentID: UUID
    let statePath: String

    /// Starts the agent against the hub's gRPC port; the config file lives next to `statePath`.
    /// `settings` are further config keys (`"exchange": "binance"` and its block).
    static func start(
        hubPort: Int, agentID: UUID = UUID(), name: String = "process-agent", statePath: String, exchangeLatencyMs: Int = 0,
        settings: [String: any Sendable] = [:]
    ) throws -> AgentProcess {
        let config = statePath + ".json"
        var document: [String: Any] = [
            "agent_id": agentID.uuidString.lowercased(), "name": name, "hub": "127.0.0.1:\(hubPort)", "token": TestHub.token,
            "state_path": statePath, "initial_backoff_seconds": 0.05, "max_backoff_seconds": 0.4, "sync_interval_seconds": 3600,
            "paper": ["latency_ms": exchangeLatencyMs],
        ]
        for (key, value) in settings { document[key] = value }
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: config))
        let child = try ChildProcess(executable: "crypto-agent", arguments: ["run", "--config", config, "--log-level", "debug"])
        return AgentProcess(child: child, agentID: agentID, statePath: statePath)
    }

    /// The REST path of one of this agent's commands.
    func path(_ action: String) -> String { "/api/crypto/commands/\(self.agentID.uuidString.lowercased())/\(action)/" }
}
