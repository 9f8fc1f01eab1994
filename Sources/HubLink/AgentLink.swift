import Foundation
import HubCore
import Logging
import NIOCore
import NIOHPACK
import Wire

/// What every agent stream shares, and where a session joins and leaves the hub.
///
/// The stream handlers run the calls and report here what the sessions cannot decide alone: a
/// call accepted, an agent identified (`attach`: it becomes the agent's live session, replacing
/// any older one), a session ended (once, from `AgentSession.end`: out of the registry, its
/// waiting commands failed), a command written, an ack or a wallet snapshot received. Acks are
/// recorded on the session (status, counters) before the dispatcher gets them, so everything
/// after an answer — events, the directory, the caller's response — sees the agent's new state.
package final class AgentLink: SessionObserver, Sendable {
    /// The timings and limits a session runs with.
    package struct Settings: Sendable {
        package var heartbeatInterval: Duration
        package var livenessTimeout: Duration
        package var helloTimeout: Duration
        package var outboxCapacity: Int
        package var maxMessageBytes: Int
        /// Told to agents when the hub shuts down: spread your reconnects over this window.
        package var reconnectWindow: Duration

        package init(
            heartbeatInterval: Duration, livenessTimeout: Duration, helloTimeout: Duration, outboxCapacity: Int, maxMessageBytes: Int,
            reconnectWindow: Duration = .seconds(1)
        ) {
            self.heartbeatInterval = heartbeatInterval
            self.livenessTimeout = livenessTimeout
            self.helloTimeout = helloTimeout
            self.outboxCapacity = outboxCapacity
            self.maxMessageBytes = maxMessageBytes
            self.reconnectWindow = reconnectWindow
        }
    }

    package let registry: AgentRegistry
    package let dispatcher: CommandDispatcher
    package let authenticator: any AgentAuthenticator
    package let reconciler: Reconciler
    package let wallets: any WalletSink
    package let settings: Settings
    package let logger: Logger
    /// Every stream being served, identified or not, for shutdown and revocation.
    package let sessions = SessionTracker()

    package var clock: MonotonicClock { self.dispatcher.clock }

    package init(
        registry: AgentRegistry, dispatcher: CommandDispatcher, authenticator: any AgentAuthenticator,
        reconciler: Reconciler, wallets: any WalletSink, settings: Settings, logger: Logger
    ) {
        self.registry = registry
        self.dispatcher = dispatcher
        self.authenticator = authenticator
        self.reconciler = reconciler
        self.wallets = wallets
        self.settings = settings
        self.logger = logger
    }

    // MARK: A session's life

    /// A call was accepted: it counts as running until it ends.
    package func accepted(_ session: AgentSession) {
        self.sessions.insert(session)
    }

    /// Makes an activated session its agent's live one, ending the one it replaces, and queues
    /// the agent's reconciliation.
    package func attach(_ session: AgentSession) {
        guard let identity = session.identity else { return }
        if let replaced = self.registry.attach(session) {
            replaced.end(.closedByHub(.sessionReplaced(agentID: identity.agentID)))
            self.logger.notice("agent session replaced", metadata: ["agent_id": "\(identity.agentID.lowercased)"])
        }
        self.logger.info(
            "agent connected",
            metadata: [
                "agent_id": "\(identity.agentID.lowercased)", "name": "\(identity.name)",
                "exchange": "\(identity.exchange)", "peer": "\(session.remotePeer)",
            ])
        self.reconciler.agentConnected(identity.agentID)
    }

    /// The one end of every accepted session (`SessionObserver`): it leaves the registry, its
    /// waiting commands fail at once, and it stops counting as running.
    package func sessionEnded(_ session: AgentSession) {
        let reason = session.endReason ?? .agentClosed
        self.registry.detach(session)
        self.dispatcher.sessionEnded(session.sessionID, reason: reason)
        self.sessions.remove(session)
        if let identity = session.identity {
            self.logger.info(
                "agent disconnected",
                metadata: [
                    "agent_id": "\(identity.agentID.lowercased)", "name": "\(identity.name)", "reason": "\(reason.description)",
                ])
        }
    }

    package func commandWritten(_ id: UUID, on session: AgentSession, succeeded: Bool) {
        self.dispatcher.commandWritten(id, succeeded: succeeded)
    }

    // MARK: What an agent sends

    /// An ack: what it says about the agent is recorded on the session (and published) first,
    /// then the dispatcher resolves the command it answers. Returns false for an ack that
    /// answered nothing the hub asked.
    package func received(_ ack: Commandhub_V1_CommandAck, on session: AgentSession) -> Bool {
        if session.apply(ack) { self.registry.updated(session) }
        guard let agentID = session.identity?.agentID else { return false }
        return self.dispatcher.acknowledge(ack, from: agentID)
    }

    /// A wallet snapshot: all of the agent's balances as of its sync time; the session's sync
    /// counters follow at once, without waiting for the next heartbeat.
    package func received(_ snapshot: Commandhub_V1_WalletSnapshot, on session: AgentSession) {
        guard let agentID = session.identity?.agentID, snapshot.balances.count <= 10_000 else { return }
        let syncedAt = WireTime.date(milliseconds: snapshot.syncedAtMs) ?? Date()
        session.recordSync(wallets: snapshot.balances.count, at: syncedAt)
        self.registry.updated(session)
        self.wallets.record(snapshot.balances, of: agentID, syncedAt: syncedAt, complete: true, source: .snapshot)
    }

    // MARK: The hub ending sessions

    /// Ends every stream authenticated with credential `name` (it was revoked); returns how many.
    @discardableResult
    package func closeSessions(credential name: String, error: HubError) -> Int {
        var closed = 0
        for session in self.sessions.all where session.credential?.name == name && session.end(.closedByHub(error)) {
            closed += 1
        }
        if closed > 0 {
            self.logger.notice("closed streams of revoked credential", metadata: ["credential": "\(name)", "streams": "\(closed)"])
        }
        return closed
    }

    /// Ends every running stream with `error` as its status; their waiting commands fail at
    /// once. Returns how many sessions it ended.
    @discardableResult
    package func closeAllSessions(_ error: HubError) -> Int {
        self.sessions.all.filter { $0.end(.closedByHub(error)) }.count
    }

    // MARK: Wire helpers

    package static func bearerToken(in headers: HPACKHeaders) -> String? {
        for value in headers[canonicalForm: "authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return String(parts[1].trimmedOfSpaces)
            }
        }
        return nil
    }

    package static func describe(_ address: SocketAddress) -> String {
        switch address {
        case .v4: "ipv4:\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        case .v6: "ipv6:[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        case .unixDomainSocket: "unix:\(address.pathname ?? "?")"
        }
    }

    package static func name(of kind: Commandhub_V1_AgentMessage.OneOf_Kind) -> String {
        switch kind {
        case .hello: "hello"
        case .ack: "ack"
        case .heartbeat: "heartbeat"
        case .walletSnapshot: "wallet_snapshot"
        }
    }
}
