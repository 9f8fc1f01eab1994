import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import Synchronization
import Wire

/// The agent's side of `AgentLink.Connect`: connect, say hello, serve commands, send
/// heartbeats, and reconnect after any disconnect with jittered exponential backoff.
///
/// Contract: at most one stream is open at a time; `send` puts a message on the current
/// stream or drops it when there is none (acks of an interrupted stream are recorded by the
/// handler and answered again when the hub replays the command). `run` returns when its task
/// is cancelled and throws only for fatal refusals (`UNAUTHENTICATED`).
public final class HubLink: Sendable {
    let configuration: AgentConfiguration
    let agentID: UUID
    let handler: CommandHandler
    let state: AgentState
    let store: AgentStore?
    let logger: Logger
    private let outbox = Mutex<AsyncStream<Commandhub_V1_AgentMessage>.Continuation?>(nil)
    private let observers = Mutex<[@Sendable (LinkEvent) -> Void]>([])
    private let hubClockOffsetMs = Atomic<Int64>(0)

    public init(
        configuration: AgentConfiguration, agentID: UUID, handler: CommandHandler, state: AgentState, store: AgentStore? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.agentID = agentID
        self.handler = handler
        self.state = state
        self.store = store
        self.logger = logger
    }

    /// Registers a callback for link events; called synchronously, keep it short.
    public func observe(_ observer: @escaping @Sendable (LinkEvent) -> Void) {
        self.observers.withLock { $0.append(observer) }
    }

    /// Puts a message on the current stream; returns false when not connected.
    @discardableResult
    public func send(_ message: Commandhub_V1_AgentMessage) -> Bool {
        guard let outbox = self.outbox.withLock({ $0 }) else { return false }
        if case .enqueued = outbox.yield(message) { return true }
        return false
    }

    /// Connects and stays connected until cancelled. Throws `AgentError.configuration` at once
    /// if the TLS files cannot be used.
    ///
    /// With several hubs (`hubs`), the agent starts at a random one — a fleet spreads over them
    /// — and after any disconnect tries the next in turn, so it re-homes when its hub dies.
    public func run() async throws {
        let endpoints = try self.configuration.hubEndpoints()
        let security = try HubLinkSecurity(self.configuration.tls)
        let backoff = Backoff(initial: self.configuration.initialBackoff, maximum: self.configuration.maxBackoff)
        var generator = SystemRandomNumberGenerator()
        var schedule = ReconnectSchedule(backoff: backoff)
        var next = Int.random(in: 0..<endpoints.count, using: &generator)
        while !Task.isCancelled {
            let (host, port) = endpoints[next % endpoints.count]
            if endpoints.count > 1 { next += 1 }
            let ending = try await self.connect(host: host, port: port, security: security)
            let delay = schedule.delay(after: ending, using: &generator)
            let reason = if case .hubRestarting = ending { "hub restarting" } else { "stream ended" }
            self.notify(.disconnected(reason: reason, retryIn: delay))
            do { try await Task.sleep(for: delay) } catch { return }
        }
    }

    /// One connection to one hub, for one session.
    private func connect(host: String, port: Int, security: HubLinkSecurity) async throws -> SessionEnding {
        try await withGRPCClient(
            transport: .http2NIOPosix(
                target: Self.target(host: host, port: port),
                transportSecurity: security.transportSecurity,
                config: .defaults { transport in
                    if let serverName = security.serverName { transport.http2.authority = serverName }
                    transport.connection.keepalive = .init(
                        time: self.configuration.keepaliveInterval, timeout: self.configuration.keepaliveTimeout,
                        allowWithoutCalls: true
                    )
                }
            )
        ) { client in
            try await self.runSession(Commandhub_V1_AgentLink.Client(wrapping: client))
        }
    }

    /// One stream from Hello to its end. Returns how it ended (welcomed or not, or the hub's
    /// restart hint); throws for fatal refusals only.
    private func runSession(_ link: Commandhub_V1_AgentLink.Client<HTTP2ClientTransport.Posix>) async throws -> SessionEnding {
        let (messages, continuation) = AsyncStream.makeStream(of: Commandhub_V1_AgentMessage.self, bufferingPolicy: .bufferingOldest(4096))
        let welcomed = WelcomeFlag()
        var helloMessage = Commandhub_V1_AgentMessage()
        helloMessage.hello = await self.hello()
        let hello = helloMessage
        var metadata: Metadata = [:]
        if let token = self.configuration.token { metadata.addString("Bearer \(token)", forKey: "authorization") }
        do {
            try await link.connect(metadata: metadata) { writer in
                try await writer.write(hello)
                for await message in messages { try await writer.write(message) }
            } onResponse: { response in
                try await self.serve(response.messages, outbox: continuation, welcomed: welcomed)
            }
            self.logger.info("hub closed the stream")
        } catch let error as RPCError where error.code == .unauthenticated {
            self.clearOutbox(continuation)
            throw AgentError.unauthenticated(error.message)
        } catch let error as RPCError {
            self.logger.warning("link ended", metadata: ["code": "\(error.code)", "message": "\(error.message)"])
            if let window = Self.restartHint(error.metadata) {
                self.clearOutbox(continuation)
                return .hubRestarting(window: window)
            }
        } catch is CancellationError {
            self.logger.debug("link cancelled")
        } catch {
            self.logger.warning("link failed", metadata: ["error": "\(error)"])
        }
        self.clearOutbox(continuation)
        return .ended(welcomed: welcomed.isSet)
    }

    /// The window of a `shutting_down` status's restart hint, if the status carries one.
    static func restartHint(_ metadata: Metadata) -> Duration? {
        WireMetadata.restartWindow(
            hubError: metadata[stringValues: WireMetadata.hubError].first(where: { _ in true }),
            retryAfter: metadata[stringValues: WireMetadata.retryAfter].first(where: { _ in true })
        )
    }

    /// Reads the hub's messages: the Welcome, then commands, each handled in a child task
    /// (at most `maxInFlight` at once) that puts its ack on the outbox.
    private func serve(
        _ messages: RPCAsyncSequence<Commandhub_V1_HubMessage, any Error>,
        outbox: AsyncStream<Commandhub_V1_AgentMessage>.Continuation,
        welcomed: WelcomeFlag
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            for try await message in messages {
                switch message.kind {
                case .welcome(let welcome):
                    self.hubClockOffsetMs.store(welcome.serverTimeMs - WireTime.nowMilliseconds(), ordering: .relaxed)
                    self.outbox.withLock { $0 = outbox }
                    welcomed.set()
                    let interval = Duration.milliseconds(max(welcome.heartbeatIntervalMs, 100))
                    group.addTask { try await self.sendHeartbeats(every: interval, to: outbox) }
                    self.logger.info("connected to hub", metadata: ["session_id": "\(welcome.sessionID)"])
                    self.notify(.connected(sessionID: welcome.sessionID))
                    await self.remember(["session_id": welcome.sessionID, "welcomed_at": Date().formatted(.iso8601)])
                case .command(let command):
                    self.logger.debug(
                        "command received",
                        metadata: [
                            "command_id": "\(command.commandID)", "action": "\(command.action?.name ?? "unknown")",
                        ])
                    if running >= self.configuration.maxInFlight {
                        try await group.next()
                        running -= 1
                    }
                    running += 1
                    let offset = self.hubClockOffsetMs.load(ordering: .relaxed)
                    group.addTask {
                        // The command runs to its recorded end even if the link drops meanwhile
                        // (a sell cut off midway would leave its outcome unknown); a link being
                        // torn down sends nothing more, and the hub learns the outcome by
                        // reconciliation after the reconnect (a lookup joins the run under way).
                        let finished = FinishedAck()
                        Task { finished.deliver(await self.handler.handle(command, hubClockOffsetMs: offset)) }
                        guard let ack = await finished.value(), !Task.isCancelled else { return }
                        var reply = Commandhub_V1_AgentMessage()
                        reply.ack = ack
                        outbox.yield(reply)
                        // A sell changed the wallets: let the hub see them at once.
                        if case .sellFill? = ack.result, !ack.replayed,
                            let balances = try? await self.handler.exchange.balances(symbols: [])
                        {
                            outbox.yield(WalletSyncer.snapshot(balances, at: Date()))
                        }
                    }
                case nil:
                    continue
                }
            }
            group.cancelAll()
        }
    }

    private func sendHeartbeats(every interval: Duration, to outbox: AsyncStream<Commandhub_V1_AgentMessage>.Continuation) async throws {
        while true {
            try await Task.sleep(for: interval)
            var message = Commandhub_V1_AgentMessage()
            message.heartbeat = self.state.heartbeat()
            outbox.yield(message)
            await self.remember(["last_heartbeat_at": Date().formatted(.iso8601)])
        }
    }

    /// Writes link facts to the state file; a failure is logged, never fatal.
    private func remember(_ facts: [String: String]) async {
        guard let store = self.store else { return }
        do {
            for (key, value) in facts { try await store.setLinkState(key, value) }
        } catch {
            self.logger.warning("could not record link state", metadata: ["error": "\(error)"])
        }
    }

    private func hello() async -> Commandhub_V1_Hello {
        var hello = Commandhub_V1_Hello()
        hello.agentID = self.agentID.uuidString.lowercased()
        hello.name = self.configuration.name
        hello.version = AgentVersion.current
        hello.exchange = self.handler.exchange.name
        hello.labels = self.configuration.labels
        hello.capabilities = WireCapabilities.all
        hello.status = self.state.status.wire
        hello.lastFinishedCommandID = (try? await self.handler.finished.lastFinishedCommandID()) ?? ""
        return hello
    }

    private func clearOutbox(_ continuation: AsyncStream<Commandhub_V1_AgentMessage>.Continuation) {
        continuation.finish()
        self.outbox.withLock { current in
            // Only clear the slot if it still holds this session's outbox.
            if current != nil { current = nil }
        }
    }

    private func notify(_ event: LinkEvent) {
        for observer in self.observers.withLock({ $0 }) { observer(event) }
    }

    private static func target(host: String, port: Int) -> any ResolvableTarget {
        if host.contains(":") { return .ipv6(address: host, port: port) }
        if host.split(separator: ".").count == 4, host.allSatisfy({ $0.isNumber || $0 == "." }) { return .ipv4(address: host, port: port) }
        return .dns(host: host, port: port)
    }
}

/// The agent's version as it reports it in `Hello`.
public enum AgentVersion {
    public static let current = "1.0.0"
}

/// Whether the hub welcomed the current stream; shared between its reader and the loop.
final class WelcomeFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { self.value.store(true, ordering: .relaxed) }
    var isSet: Bool { self.value.load(ordering: .relaxed) }
}
