import Foundation
import Logging
import NIOCore
import NIOHPACK
import Wire

/// What every agent stream shares: the registry, the dispatcher, the authenticator, the
/// timings and limits, and the set of running sessions. The `AgentStreamHandler`s run the
/// calls; this is where a session joins and leaves the hub.
public final class AgentLink: Sendable {
    /// The timings and limits a session runs with.
    public struct Settings: Sendable {
        public var heartbeatInterval: Duration
        public var livenessTimeout: Duration
        public var helloTimeout: Duration
        public var outboxCapacity: Int
        public var maxMessageBytes: Int

        public init(configuration: HubConfiguration) {
            self.heartbeatInterval = configuration.heartbeatInterval
            self.livenessTimeout = configuration.livenessTimeout
            self.helloTimeout = configuration.helloTimeout
            self.outboxCapacity = configuration.outboxCapacity
            self.maxMessageBytes = configuration.maxAgentMessageBytes
        }
    }

    let registry: AgentRegistry
    let dispatcher: CommandDispatcher
    let authenticator: any AgentAuthenticator
    let reconciliations: ReconcileQueue?
    let wallets: WalletBook?
    let settings: Settings
    let logger: Logger
    /// Every stream being served, identified or not, for shutdown and revocation.
    let sessions = SessionTracker()

    var clock: MonotonicClock { self.dispatcher.clock }

    init(
        registry: AgentRegistry, dispatcher: CommandDispatcher, authenticator: any AgentAuthenticator,
        reconciliations: ReconcileQueue?, wallets: WalletBook?, settings: Settings, logger: Logger
    ) {
        self.registry = registry
        self.dispatcher = dispatcher
        self.authenticator = authenticator
        self.reconciliations = reconciliations
        self.wallets = wallets
        self.settings = settings
        self.logger = logger
    }

    /// Makes an activated session its agent's live one, closing the one it replaces.
    func attach(_ session: AgentSession) {
        guard let identity = session.identity else { return }
        if let replaced = self.registry.attach(session) {
            replaced.close(.closedByHub(.sessionReplaced(agentID: identity.agentID)))
            self.dispatcher.sessionEnded(replaced)
            self.logger.notice("agent session replaced", metadata: ["agent_id": "\(identity.agentID.lowercased)"])
        }
        self.logger.info("agent connected", metadata: [
            "agent_id": "\(identity.agentID.lowercased)", "name": "\(identity.name)",
            "exchange": "\(identity.exchange)", "peer": "\(session.remotePeer)",
        ])
        self.reconciliations?.enqueue(identity.agentID)
    }

    /// A session's stream ended: it leaves the registry and its waiting commands fail at once.
    func ended(_ session: AgentSession) {
        self.registry.detach(session)
        self.dispatcher.sessionEnded(session)
        self.sessions.remove(session)
        if let identity = session.identity {
            self.logger.info("agent disconnected", metadata: [
                "agent_id": "\(identity.agentID.lowercased)", "name": "\(identity.name)",
                "reason": "\(session.endReason?.description ?? "closed")",
            ])
        }
    }

    /// Ends every stream authenticated with credential `name` (it was revoked); returns how many.
    @discardableResult
    func closeSessions(credential name: String, error: HubError) -> Int {
        var closed = 0
        for session in self.sessions.all where session.credential.name == name && session.close(.closedByHub(error)) {
            self.dispatcher.sessionEnded(session)
            closed += 1
        }
        if closed > 0 { self.logger.notice("closed streams of revoked credential", metadata: ["credential": "\(name)", "streams": "\(closed)"]) }
        return closed
    }

    /// Ends every running stream with `error` as its status and fails their waiting commands
    /// at once. Returns how many sessions it closed.
    @discardableResult
    func closeAllSessions(_ error: HubError) -> Int {
        var closed = 0
        for session in self.sessions.all where session.close(.closedByHub(error)) {
            self.dispatcher.sessionEnded(session)
            closed += 1
        }
        return closed
    }

    static func bearerToken(in headers: HPACKHeaders) -> String? {
        for value in headers[canonicalForm: "authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    static func describe(_ address: SocketAddress) -> String {
        switch address {
        case .v4: "ipv4:\(address.ipAddress ?? "?"):\(address.port ?? 0)"
        case .v6: "ipv6:[\(address.ipAddress ?? "?")]:\(address.port ?? 0)"
        case .unixDomainSocket: "unix:\(address.pathname ?? "?")"
        }
    }

    static func name(of kind: Commandhub_V1_AgentMessage.OneOf_Kind) -> String {
        switch kind {
        case .hello: "hello"
        case .ack: "ack"
        case .heartbeat: "heartbeat"
        case .walletSnapshot: "wallet_snapshot"
        }
    }
}
