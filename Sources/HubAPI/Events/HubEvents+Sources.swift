import Foundation
import HubCore
import Wire

/// Where the hub's events come from: the registry's observer and the dispatcher's sinks.
///
/// Status changes are found by comparing an agent's status with the last one published for
/// it. Heartbeats and acks reach the registry's observer: the link records what an ack says
/// about the agent before the dispatcher resolves its command, so a status change is
/// published before the `command_finished` of the command that caused it, and only once.
extension HubEvents: CommandSink {
    package func registryEvent(_ event: RegistryEvent) {
        guard self.isListened else { return }
        switch event {
        case .connected(let snapshot, _):
            let connected = HubEvent.connected(snapshot)
            self.publish { state in
                state.statuses[snapshot.agentID] = snapshot.status
                return [connected]
            }
        case .updated(let snapshot):
            self.publish { state in
                Self.statusChange(&state, agentID: snapshot.agentID, name: snapshot.identity.name, current: snapshot.status)
            }
        case .disconnected(let snapshot, let reason):
            let disconnected = HubEvent.disconnected(snapshot, reason: reason)
            self.publish { state in
                state.statuses[snapshot.agentID] = nil
                return [disconnected]
            }
        }
    }

    package func commandFinished(_ report: CommandReport) {
        guard self.isListened else { return }
        let finished = HubEvent.commandFinished(report)
        self.publish { _ in [finished] }
    }

    /// The status change event if `current` differs from the last status published for the agent.
    private static func statusChange(
        _ state: inout State, agentID: UUID, name: String, current: Commandhub_V1_AgentStatus
    ) -> [HubEvent] {
        guard current != .unspecified, state.statuses[agentID] != current else { return [] }
        guard let previous = state.statuses[agentID] else {
            // Connected as the first subscription was made: from now on its changes are known.
            state.statuses[agentID] = current
            return []
        }
        state.statuses[agentID] = current
        return [.statusChanged(agentID: agentID, name: name, status: current, previous: previous)]
    }
}
