import Foundation
import Wire

/// Where the hub's events come from: the registry's and the dispatcher's observers.
///
/// Status changes are found by comparing an agent's status with the last one published for
/// it. Heartbeats and acks with agent state reach the registry's observer; an ack without it
/// (another gRPC stack's agent) only changes the session — so a finished command first
/// checks its agent's status too. Either way the change is published before the
/// `command_finished` of the command that caused it, and only once.
extension HubEvents {
    /// Publishes the registry's connects, disconnects and status changes.
    public func follow(_ registry: AgentRegistry) {
        registry.observe { [weak self] event in self?.registryEvent(event) }
    }

    /// Publishes every finished command.
    public func follow(_ dispatcher: CommandDispatcher) {
        dispatcher.observe { [weak self] report in self?.commandFinished(report) }
    }

    func registryEvent(_ event: RegistryEvent) {
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

    func commandFinished(_ report: CommandReport) {
        guard self.isListened else { return }
        let finished = HubEvent.commandFinished(report)
        let session = self.registry.session(for: report.agentID)
        self.publish { state in
            var events: [HubEvent] = []
            if let session, let name = session.identity?.name {
                // Read under the lock: a concurrent heartbeat's change is then published once.
                events += Self.statusChange(&state, agentID: report.agentID, name: name, current: session.status)
            }
            events.append(finished)
            return events
        }
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
