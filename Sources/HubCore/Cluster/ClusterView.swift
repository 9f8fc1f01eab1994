import Foundation

/// Another hub on the same store, as the REST layer reaches it.
package struct ClusterPeer: Sendable, Hashable, CustomStringConvertible {
    /// Its `hub.id`.
    package let hubID: String
    /// Its REST API's base URL (`cluster.advertise_url`), e.g. `http://10.0.0.2:8080`.
    package let url: String

    package init(hubID: String, url: String) {
        self.hubID = hubID
        self.url = url
    }

    package var description: String { "\(self.hubID) (\(self.url))" }
}

/// What a hub knows of the others sharing its store: which hub holds an agent's stream, and
/// which hubs are alive. PostgreSQL is the source of truth (`agent_owner`, `hub`); a single
/// hub on SQLite has no cluster and no `ClusterView`.
package protocol ClusterView: Sendable {
    /// This hub's id.
    var hubID: String { get }
    /// The other live hub holding `agentID`'s stream, or nil (this hub, or none).
    func owner(of agentID: UUID) async throws(HubError) -> ClusterPeer?
    /// Every other hub whose lease is current.
    func peers() async throws(HubError) -> [ClusterPeer]
}

/// This hub as a member of a cluster: the view, plus what the rest of the hub tells it (which
/// sessions it holds) and lets it do (end them all when fenced, reconcile an agent).
package protocol ClusterMembership: ClusterView {
    /// Sets what the member reaches of the hub; called once, when the hub is assembled.
    func setHooks(_ hooks: ClusterHooks)
    /// A session of this hub became its agent's live one.
    func claimed(agentID: UUID, sessionID: UUID)
    /// A live session of this hub ended.
    func released(agentID: UUID, sessionID: UUID)
}

/// What a cluster member reaches of the rest of its hub.
package struct ClusterHooks: Sendable {
    /// The live sessions of this hub: (agent id, session id).
    package var liveSessions: @Sendable () -> [(agentID: UUID, sessionID: UUID)] = { [] }
    /// Whether an agent is connected to this hub.
    package var isConnectedHere: @Sendable (UUID) -> Bool = { _ in false }
    /// Ends every session (fenced): agents reconnect, to this hub or another.
    package var endAllSessions: @Sendable () async -> Void = {}
    /// Returns once every write buffered so far was offered to the store (while fenced: refused).
    package var drainWrites: @Sendable () async -> Void = {}
    /// Queues a reconciliation round for an agent connected here.
    package var reconcile: @Sendable (UUID) -> Void = { _ in }
    /// The REST URL other hubs forward to, once the listener is bound (its port may be 0 in
    /// the configuration); nil if it never binds.
    package var restURL: @Sendable () async -> String? = { nil }

    package init() {}
}
