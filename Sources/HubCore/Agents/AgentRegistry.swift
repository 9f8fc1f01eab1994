import Foundation
import Synchronization

/// The live sessions by agent id, and the last known state of agents that went away.
///
/// At most one session per agent id is live: `attach` of a second one returns the first so the
/// caller can end it (a new connection replaces the old one). One lock guards the two
/// maps; per-agent state lives in each `AgentSession` so heartbeats never take this lock.
package final class AgentRegistry: Sendable {
    private struct State {
        var live: [UUID: AgentSession] = [:]
        var offline: [UUID: AgentSnapshot] = [:]
    }

    private let state = Mutex(State())
    private let observers = Mutex<[@Sendable (RegistryEvent) -> Void]>([])

    package init() {}

    /// Makes `session` the live session of its agent; returns the one it replaces, if any.
    package func attach(_ session: AgentSession) -> AgentSession? {
        guard let identity = session.identity else { return nil }
        let replaced = self.state.withLock { state -> AgentSession? in
            state.offline[identity.agentID] = nil
            return state.live.updateValue(session, forKey: identity.agentID)
        }
        if let snapshot = session.snapshot() { self.notify(.connected(snapshot, replaced: replaced != nil)) }
        return replaced
    }

    /// Removes `session` if it is still the live one for its agent, keeping its last state.
    /// Returns false when a newer session had already replaced it.
    @discardableResult
    package func detach(_ session: AgentSession) -> Bool {
        guard let identity = session.identity, let snapshot = session.snapshot(connected: false) else { return false }
        let detached = self.state.withLock { state -> Bool in
            guard state.live[identity.agentID] === session else { return false }
            state.live[identity.agentID] = nil
            state.offline[identity.agentID] = snapshot
            return true
        }
        if detached { self.notify(.disconnected(snapshot, reason: session.endReason?.description ?? "closed")) }
        return detached
    }

    /// The live session of an agent, if connected.
    package func session(for agentID: UUID) -> AgentSession? {
        self.state.withLock { $0.live[agentID] }
    }

    /// What the hub knows of an agent: live if connected, else its last known state.
    package func snapshot(of agentID: UUID) -> AgentSnapshot? {
        let (session, offline) = self.state.withLock { ($0.live[agentID], $0.offline[agentID]) }
        return session?.snapshot() ?? offline
    }

    /// Every connected agent's state, sorted by name then id for stable listings.
    package func connected(matching selector: LabelSelector = .all) -> [AgentSnapshot] {
        let sessions = self.state.withLock { Array($0.live.values) }
        return sessions.compactMap { $0.snapshot() }.filter(selector.matches).sorted(by: Self.listingOrder)
    }

    /// Every agent the hub knows, connected or not.
    package func all(matching selector: LabelSelector = .all) -> [AgentSnapshot] {
        let (sessions, offline) = self.state.withLock { (Array($0.live.values), Array($0.offline.values)) }
        return (sessions.compactMap { $0.snapshot() } + offline).filter(selector.matches).sorted(by: Self.listingOrder)
    }

    /// Remembers an agent that is not connected (e.g. loaded from the store at start-up).
    package func remember(_ snapshot: AgentSnapshot) {
        self.state.withLock { state in
            guard state.live[snapshot.agentID] == nil else { return }
            var offline = snapshot
            offline.connected = false
            offline.sessionID = nil
            offline.remotePeer = nil
            state.offline[snapshot.agentID] = offline
        }
    }

    /// Number of live sessions.
    package var connectedCount: Int { self.state.withLock { $0.live.count } }

    /// Agents the hub knows, connected or not.
    package var knownCount: Int { self.state.withLock { $0.live.count + $0.offline.count } }

    /// Tells observers that a live agent's state changed (a heartbeat, or an ack with state).
    package func updated(_ session: AgentSession) {
        let observers = self.observers.withLock { $0 }
        guard !observers.isEmpty, let snapshot = session.snapshot() else { return }
        for observer in observers { observer(.updated(snapshot)) }
    }

    /// Registers a callback for connects, updates and disconnects; called synchronously, keep it short.
    package func observe(_ observer: @escaping @Sendable (RegistryEvent) -> Void) {
        self.observers.withLock { $0.append(observer) }
    }

    private func notify(_ event: RegistryEvent) {
        for observer in self.observers.withLock({ $0 }) { observer(event) }
    }

    private static func listingOrder(_ lhs: AgentSnapshot, _ rhs: AgentSnapshot) -> Bool {
        (lhs.identity.name, lhs.agentID.uuidString) < (rhs.identity.name, rhs.agentID.uuidString)
    }
}

/// A change in which agents are connected.
package enum RegistryEvent: Sendable {
    case connected(AgentSnapshot, replaced: Bool)
    /// A heartbeat or an ack changed the agent's live state.
    case updated(AgentSnapshot)
    case disconnected(AgentSnapshot, reason: String)
}
