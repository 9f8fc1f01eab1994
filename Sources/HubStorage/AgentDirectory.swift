import DaemonSupport
import Foundation
import GRDB
import HubCore
import Logging
import ServiceLifecycle
import Wire

/// The registry's memory across restarts: every agent the hub has seen, with its metadata and
/// labels from its last `Hello`, first and last seen, last heartbeat and whether it is connected.
///
/// It observes the registry: connects and disconnects are written at once (batched), live
/// state changes are coalesced per agent and committed once a second by `run()`. At start-up
/// `load(into:)` restores known agents as offline, so `?include_offline=true` and the detail of
/// a known agent survive a restart.
package final class AgentDirectory: Service {
    package let writer: StoreWriter

    package init(writer: StoreWriter) {
        self.writer = writer
    }

    /// Starts persisting what `registry` reports.
    package func follow(_ registry: AgentRegistry) {
        registry.observe { [writer] event in
            switch event {
            case .connected(let snapshot, _): writer.append(.agentConnected(snapshot, credential: snapshot.credentialName ?? ""))
            case .updated(let snapshot): writer.updateAgentState(snapshot)
            case .disconnected(let snapshot, _): writer.append(.agentDisconnected(snapshot))
            }
        }
    }

    /// Restores `agents` (the store's `knownAgents()`) into `registry` as offline.
    package func load(_ agents: [AgentSnapshot], into registry: AgentRegistry) {
        for agent in agents { registry.remember(agent) }
    }

    /// Commits coalesced agent states once a second until shutdown.
    package func run() async throws {
        try await runUntilGracefulShutdown {
            while true {
                try await Task.sleep(for: .seconds(1))
                self.writer.nudge()
            }
        }
    }
}
