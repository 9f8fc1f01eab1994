import Foundation
import GRPCCore
import Logging
import Wire

/// The hub's side of `AgentLink.Connect`: one call per connected agent.
///
/// A call is authenticated from its metadata before anything it sends is read. Then three
/// child tasks run the session until the first of them ends it: the reader (Hello first, then
/// acks, heartbeats and snapshots), the writer (drains the session's outbox onto the stream),
/// and the watchdog (ends a session that stays silent past its limit). Whatever ends it, the
/// session is detached from the registry and its waiting commands fail at once.
public struct AgentLinkService: Commandhub_V1_AgentLink.StreamingServiceProtocol {
    /// The timings and limits a session runs with.
    public struct Settings: Sendable {
        public var heartbeatInterval: Duration
        public var livenessTimeout: Duration
        public var helloTimeout: Duration
        public var outboxCapacity: Int

        public init(configuration: HubConfiguration) {
            self.heartbeatInterval = configuration.heartbeatInterval
            self.livenessTimeout = configuration.livenessTimeout
            self.helloTimeout = configuration.helloTimeout
            self.outboxCapacity = configuration.outboxCapacity
        }
    }

    let registry: AgentRegistry
    let dispatcher: CommandDispatcher
    let authenticator: any AgentAuthenticator
    let reconciler: (any CommandReconciler)?
    let wallets: WalletBook?
    let settings: Settings
    let logger: Logger
    /// Every stream being served, for shutdown.
    let sessions = SessionTracker()

    public init(
        registry: AgentRegistry, dispatcher: CommandDispatcher, authenticator: any AgentAuthenticator,
        reconciler: (any CommandReconciler)? = nil, wallets: WalletBook? = nil, settings: Settings,
        logger: Logger = Logger(label: "commandhub.link")
    ) {
        self.registry = registry
        self.dispatcher = dispatcher
        self.authenticator = authenticator
        self.reconciler = reconciler
        self.wallets = wallets
        self.settings = settings
        self.logger = logger
    }

    public func connect(
        request: StreamingServerRequest<Commandhub_V1_AgentMessage>,
        context: ServerContext
    ) async throws -> StreamingServerResponse<Commandhub_V1_HubMessage> {
        let credential = try await self.authenticator.authenticate(token: Self.bearerToken(in: request.metadata))
        let session = AgentSession(
            remotePeer: context.remotePeer, credential: credential, outboxCapacity: self.settings.outboxCapacity,
            now: Date(), monotonicNow: self.dispatcher.clock.now
        )
        return StreamingServerResponse { writer in
            self.sessions.insert(session)
            defer { self.sessions.remove(session) }
            try await self.run(session, messages: request.messages, writer: writer)
            return [:]
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

    /// Runs a session to its end and reports that end as the call's status.
    private func run(
        _ session: AgentSession,
        messages: RPCAsyncSequence<Commandhub_V1_AgentMessage, any Error>,
        writer: RPCWriter<Commandhub_V1_HubMessage>
    ) async throws {
        // Children return the session's end, or nil for work that finished without ending it.
        let end = await withTaskGroup(of: SessionEnd?.self) { group in
            let (accepted, acceptance) = AsyncStream.makeStream(of: UUID.self, bufferingPolicy: .bufferingNewest(1))
            group.addTask { await self.read(messages, into: session, acceptance: acceptance) }
            group.addTask { await self.write(session, to: writer) }
            group.addTask { await self.watch(session) }
            if let reconciler = self.reconciler {
                group.addTask {
                    for await agentID in accepted {
                        await reconciler.agentConnected(agentID)
                        break
                    }
                    return nil
                }
            }
            var first = SessionEnd.agentClosed
            while let result = await group.next() {
                if let end = result {
                    first = end
                    break
                }
            }
            acceptance.finish()
            session.close(first)
            group.cancelAll()
            return session.endReason ?? first
        }
        self.registry.detach(session)
        self.dispatcher.sessionEnded(session)
        if let identity = session.identity {
            self.logger.info("agent disconnected", metadata: [
                "agent_id": "\(identity.agentID.lowercased)", "name": "\(identity.name)", "reason": "\(end.description)",
            ])
        }
        switch end {
        case .agentClosed: return
        case .closedByHub(let error): throw error
        case .streamFailed(let why): throw RPCError(code: .cancelled, message: why)
        }
    }

    /// Reads the stream: `Hello` first, then everything else. Returns how the stream ended.
    private func read(
        _ messages: RPCAsyncSequence<Commandhub_V1_AgentMessage, any Error>, into session: AgentSession,
        acceptance: AsyncStream<UUID>.Continuation
    ) async -> SessionEnd {
        do {
            var iterator = messages.makeAsyncIterator()
            guard let first = try await iterator.next() else { return .agentClosed }
            session.touch(at: Date(), monotonicNow: self.dispatcher.clock.now)
            guard case .hello(let hello) = first.kind else {
                return .closedByHub(.helloRequired(got: first.kind.map(Self.name(of:)) ?? "an empty message"))
            }
            if let end = self.accept(hello, on: session) { return end }
            if let agentID = session.identity?.agentID { acceptance.yield(agentID) }
            while let message = try await iterator.next() {
                self.handle(message, from: session)
            }
            return .agentClosed
        } catch let error as RPCError {
            return error.code == .cancelled ? .agentClosed : .streamFailed(Self.describe(error))
        } catch {
            return Task.isCancelled ? .agentClosed : .streamFailed("\(error)")
        }
    }

    /// Validates the Hello, activates the session and makes it the agent's live one, closing
    /// any session it replaces. Returns a reason to end the stream if the Hello is refused.
    private func accept(_ hello: Commandhub_V1_Hello, on session: AgentSession) -> SessionEnd? {
        var identity: AgentIdentity
        do { identity = try AgentIdentity(hello: hello) } catch { return .closedByHub(error) }
        identity.labels = session.credential.labels.merging(identity.labels) { _, own in own }

        var welcome = Commandhub_V1_Welcome()
        welcome.sessionID = session.sessionID.lowercased
        welcome.heartbeatIntervalMs = self.settings.heartbeatInterval.wholeMilliseconds
        welcome.livenessTimeoutMs = self.settings.livenessTimeout.wholeMilliseconds
        welcome.serverTimeMs = WireTime.nowMilliseconds()
        guard session.activate(identity, status: hello.status, welcome: welcome) else {
            return session.endReason ?? .agentClosed
        }
        if let replaced = self.registry.attach(session) {
            replaced.close(.closedByHub(.sessionReplaced(agentID: identity.agentID)))
            self.dispatcher.sessionEnded(replaced)
            self.logger.notice("agent session replaced", metadata: ["agent_id": "\(identity.agentID.lowercased)"])
        }
        self.logger.info("agent connected", metadata: [
            "agent_id": "\(identity.agentID.lowercased)", "name": "\(identity.name)",
            "exchange": "\(identity.exchange)", "peer": "\(session.remotePeer)",
        ])
        return nil
    }

    private func handle(_ message: Commandhub_V1_AgentMessage, from session: AgentSession) {
        switch message.kind {
        case .ack(let ack):
            session.touch(at: Date(), monotonicNow: self.dispatcher.clock.now)
            self.dispatcher.acknowledge(ack, from: session)
            if ack.hasAgentState { self.registry.updated(session) }
        case .heartbeat(let heartbeat):
            session.touch(at: Date(), monotonicNow: self.dispatcher.clock.now, heartbeat: heartbeat)
            self.registry.updated(session)
        case .walletSnapshot(let snapshot):
            session.touch(at: Date(), monotonicNow: self.dispatcher.clock.now)
            if let agentID = session.identity?.agentID, snapshot.balances.count <= 10_000 {
                self.wallets?.record(
                    snapshot.balances, of: agentID, syncedAt: WireTime.date(milliseconds: snapshot.syncedAtMs) ?? Date(),
                    complete: true, source: "snapshot"
                )
            }
        case .hello:
            // A second Hello on the same stream is ignored; identity is fixed per stream.
            session.touch(at: Date(), monotonicNow: self.dispatcher.clock.now)
        case nil:
            // An unknown oneof case from a newer agent: keep the session, count it as liveness.
            session.touch(at: Date(), monotonicNow: self.dispatcher.clock.now)
        }
    }

    /// Drains the outbox onto the stream until the session closes or a write fails.
    private func write(_ session: AgentSession, to writer: RPCWriter<Commandhub_V1_HubMessage>) async -> SessionEnd {
        for await item in session.outbox {
            // Once closed, queued commands are not written: their callers were already told.
            if let end = session.endReason { return end }
            var message = Commandhub_V1_HubMessage()
            switch item {
            case .welcome(let welcome):
                message.welcome = welcome
            case .command(let command, let id):
                self.dispatcher.markSent(id)
                message.command = command
            }
            do {
                try await writer.write(message)
            } catch {
                return .streamFailed("write failed: \(error)")
            }
        }
        return session.endReason ?? .agentClosed
    }

    /// Ends the session when the agent stays silent: past `helloTimeout` before its Hello,
    /// past `livenessTimeout` after.
    private func watch(_ session: AgentSession) async -> SessionEnd {
        let clock = self.dispatcher.clock
        while true {
            let awaitingHello = session.identity == nil
            let lastSeen = session.lastSeenOffset
            let limit = awaitingHello ? self.settings.helloTimeout : self.settings.livenessTimeout
            if clock.now >= lastSeen + limit {
                return awaitingHello ? .closedByHub(.helloTimeout(limit)) : .closedByHub(.livenessTimeout(limit))
            }
            // While the Hello is pending, wake no later than the liveness limit would need: the
            // Hello may arrive in the meantime and the (shorter) liveness limit then applies.
            let wake = lastSeen + (awaitingHello ? min(limit, self.settings.livenessTimeout) : limit)
            do { try await clock.sleep(until: wake) } catch { return session.endReason ?? .agentClosed }
        }
    }

    /// The innermost cause of a transport error: grpc-swift wraps e.g. "message exceeds the
    /// maximum payload size" inside a generic "Failed to decode message".
    static func describe(_ error: RPCError) -> String {
        var innermost = error
        while let cause = innermost.cause as? RPCError { innermost = cause }
        return "\(innermost.code): \(innermost.message)"
    }

    static func bearerToken(in metadata: Metadata) -> String? {
        for value in metadata[stringValues: "authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    private static func name(of kind: Commandhub_V1_AgentMessage.OneOf_Kind) -> String {
        switch kind {
        case .hello: "hello"
        case .ack: "ack"
        case .heartbeat: "heartbeat"
        case .walletSnapshot: "wallet_snapshot"
        }
    }
}
