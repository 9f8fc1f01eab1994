import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Wire

/// One lightweight agent of the swarm: one HTTP/2 connection to the hub with one gRPC
/// `AgentLink.Connect` stream, answering every command at once from a `ChannelHandler` — no
/// task hops, no per-agent threads — so thousands fit in one process next to the hub.
///
/// Threading: every method runs on the agent's event loop (`eventLoop`); the agent is confined
/// to it, which is what makes the `@unchecked Sendable` hand-over to that loop sound.
final class SwarmAgent: @unchecked Sendable {
    let agentID: UUID
    let name: String
    let eventLoop: any EventLoop
    private weak var swarm: Swarm?
    private let settings: Swarm.Settings
    private var channel: (any Channel)?
    private var schedule: ReconnectSchedule
    /// The restart hint of the status that ended the current stream, if it carried one.
    private var restartHint: Duration?
    private var paused = false
    private var stopped = false
    private var welcomed = false
    private var heartbeats: RepeatedTask?

    init(agentID: UUID, name: String, eventLoop: any EventLoop, swarm: Swarm) {
        self.agentID = agentID
        self.name = name
        self.eventLoop = eventLoop
        self.swarm = swarm
        self.settings = swarm.settings
        self.schedule = ReconnectSchedule(
            backoff: Backoff(
                initial: .nanoseconds(swarm.settings.initialBackoff.nanoseconds),
                maximum: .nanoseconds(swarm.settings.maximumBackoff.nanoseconds))
        )
    }

    /// Connects now, or after `delay`.
    func connect(after delay: TimeAmount = .zero) {
        self.eventLoop.execute {
            guard !self.stopped else { return }
            if delay > .zero {
                self.eventLoop.scheduleTask(in: delay) { self.open() }
            } else {
                self.open()
            }
        }
    }

    /// Closes the connection as a network failure would; the agent reconnects with backoff.
    func drop() {
        self.eventLoop.execute { self.channel?.close(promise: nil) }
    }

    /// Closes the connection and stops reconnecting.
    func stop() -> EventLoopFuture<Void> {
        self.eventLoop.flatSubmit {
            self.stopped = true
            self.heartbeats?.cancel()
            guard let channel = self.channel else { return self.eventLoop.makeSucceededVoidFuture() }
            return channel.close().recover { _ in }
        }
    }

    private func open() {
        guard !self.stopped, self.channel == nil else { return }
        let settings = self.settings
        ClientBootstrap(group: self.eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                // Small windows: commands and acks are a few hundred bytes.
                channel.configureHTTP2Pipeline(
                    mode: .client,
                    initialLocalSettings: [
                        HTTP2Setting(parameter: .initialWindowSize, value: 65_535),
                        HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
                    ],
                    inboundStreamInitializer: nil
                ).map { _ in }
            }
            .connect(host: settings.host, port: settings.port)
            .flatMap { channel in
                channel.pipeline.handler(type: HTTP2StreamMultiplexer.self).flatMap { multiplexer in
                    let opened = channel.eventLoop.makePromise(of: Void.self)
                    multiplexer.createStreamChannel(promise: nil) { stream in
                        stream.pipeline.addHandler(AgentStreamHandler(agent: self, settings: settings)).always { _ in opened.succeed() }
                    }
                    return opened.futureResult.map { channel }
                }
            }
            .whenComplete { result in
                switch result {
                case .success(let channel):
                    self.channel = channel
                    channel.closeFuture.whenComplete { _ in self.connectionClosed() }
                case .failure:
                    self.swarm?.connectFailed()
                    self.scheduleReconnect()
                }
            }
    }

    private func connectionClosed() {
        self.channel = nil
        self.heartbeats?.cancel()
        self.heartbeats = nil
        let welcomed = self.welcomed
        if welcomed {
            self.welcomed = false
            self.swarm?.disconnected(self)
        }
        self.scheduleReconnect(after: self.restartHint.map { .hubRestarting(window: $0) } ?? .ended(welcomed: welcomed))
        self.restartHint = nil
    }

    /// As the real agent does: full jitter over a growing ceiling, or the hub's restart window.
    private func scheduleReconnect(after ending: SessionEnding = .ended(welcomed: false)) {
        guard !self.stopped else { return }
        var generator = SystemRandomNumberGenerator()
        let delay = self.schedule.delay(after: ending, using: &generator)
        self.eventLoop.scheduleTask(in: .nanoseconds(max(Int64(delay.seconds * 1e9), 1))) { self.open() }
    }

    /// The hub ended the stream with a restart hint (`shutting_down`, `hub-retry-after-ms`).
    func hubRestarting(window: Duration) {
        self.restartHint = window
    }

    // MARK: Called by the stream handler, on the event loop.

    func hello() -> Commandhub_V1_AgentMessage {
        var message = Commandhub_V1_AgentMessage()
        message.hello.agentID = self.agentID.uuidString.lowercased()
        message.hello.name = self.name
        message.hello.version = "swarm-1"
        message.hello.exchange = "paper"
        message.hello.labels = self.settings.labels
        message.hello.status = self.paused ? .paused : .active
        return message
    }

    func welcome(_ welcome: Commandhub_V1_Welcome, context: ChannelHandlerContext, handler: AgentStreamHandler) {
        self.welcomed = true
        self.swarm?.welcomed(self)
        let interval = TimeAmount.milliseconds(max(welcome.heartbeatIntervalMs, 100))
        let channel = context.channel
        self.heartbeats = self.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            var heartbeat = Commandhub_V1_AgentMessage()
            heartbeat.heartbeat.status = self.paused ? .paused : .active
            heartbeat.heartbeat.sentAtMs = WireTime.nowMilliseconds()
            handler.send(heartbeat, on: channel)
        }
    }

    /// Handles a command: a lookup is answered at once from the record; anything else counts as
    /// executed on arrival and is answered as the settings say — at once, later, or never.
    func received(_ command: Commandhub_V1_Command, context: ChannelHandlerContext, handler: AgentStreamHandler) {
        if command.lookupOnly {
            self.swarm?.lookedUp()
            handler.send(self.answer(command), on: context.channel)
            return
        }
        self.swarm?.receivedCommand()
        _ = self.swarm?.executed(command.commandID)
        switch self.settings.answering {
        case .immediately:
            handler.send(self.answer(command), on: context.channel)
        case .after(let delay):
            let channel = context.channel
            self.eventLoop.scheduleTask(in: delay) { handler.send(self.answer(command), on: channel) }
        case .never:
            break
        }
    }

    /// The agent's answer to a command, like a real agent's but without an exchange. A lookup
    /// (`lookup_only`) never executes: it reports whether this id was executed before.
    func answer(_ command: Commandhub_V1_Command) -> Commandhub_V1_AgentMessage {
        var ack = Commandhub_V1_CommandAck()
        ack.commandID = command.commandID
        ack.success = true
        if command.lookupOnly {
            let executed = self.swarm?.wasExecuted(command.commandID) ?? false
            ack.success = executed
            ack.replayed = executed
            ack.errorCode = executed ? "" : WireCodes.notExecuted
            ack.message = executed ? "executed earlier" : "never executed"
            ack.status = self.paused ? .paused : .active
            var message = Commandhub_V1_AgentMessage()
            message.ack = ack
            return message
        }
        switch command.action {
        case .pause:
            self.paused = true
            ack.message = "Client paused successfully"
        case .resume:
            self.paused = false
            ack.message = "Client resumed successfully"
        case .ping:
            ack.message = "Pong received"
            ack.pong.agentTimeMs = WireTime.nowMilliseconds()
            ack.pong.issuedAtMs = command.issuedAtMs
        case .syncWallets:
            ack.message = "Wallet sync completed for 0 coins"
            ack.balances.syncedAtMs = WireTime.nowMilliseconds()
        case .requestStatus:
            ack.message = "Status: \(self.paused ? "PAUSED" : "ACTIVE"), Wallets: 0, Last sync: never"
        case .sell, nil:
            ack.success = false
            ack.errorCode = "unsupported"
            ack.message = "the swarm agent does not sell"
        }
        ack.status = self.paused ? .paused : .active
        self.swarm?.answered()
        var message = Commandhub_V1_AgentMessage()
        message.ack = ack
        return message
    }
}

/// The agent's one gRPC stream: request headers and Hello on activation, then length-prefixed
/// messages both ways. Confined to the stream channel's event loop.
final class AgentStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    private let agent: SwarmAgent
    private let settings: Swarm.Settings
    private var inbound: ByteBuffer

    init(agent: SwarmAgent, settings: Swarm.Settings) {
        self.agent = agent
        self.settings = settings
        self.inbound = ByteBuffer()
    }

    func channelActive(context: ChannelHandlerContext) {
        var headers = HPACKHeaders()
        headers.add(name: ":method", value: "POST")
        headers.add(name: ":scheme", value: "http")
        headers.add(name: ":path", value: "/commandhub.v1.AgentLink/Connect")
        headers.add(name: ":authority", value: "\(self.settings.host):\(self.settings.port)")
        headers.add(name: "content-type", value: "application/grpc")
        headers.add(name: "te", value: "trailers")
        headers.add(name: "authorization", value: "Bearer \(self.settings.token)")
        context.write(self.wrapOutboundOut(.headers(.init(headers: headers))), promise: nil)
        self.send(self.agent.hello(), on: context.channel)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .data(let frame):
            if case .byteBuffer(var bytes) = frame.data { self.inbound.writeBuffer(&bytes) }
            do {
                for message in try GRPCFraming.readMessages(Commandhub_V1_HubMessage.self, from: &self.inbound) {
                    switch message.kind {
                    case .welcome(let welcome): self.agent.welcome(welcome, context: context, handler: self)
                    case .command(let command): self.agent.received(command, context: context, handler: self)
                    case nil: break
                    }
                }
            } catch {
                context.channel.parent?.close(promise: nil)
            }
            if frame.endStream { context.channel.parent?.close(promise: nil) }
        case .headers(let headers):
            // Trailers (or a trailers-only refusal): the hub ended the call.
            guard headers.endStream else { break }
            let window = WireMetadata.restartWindow(
                hubError: headers.headers.first(name: WireMetadata.hubError),
                retryAfter: headers.headers.first(name: WireMetadata.retryAfter)
            )
            if let window { self.agent.hubRestarting(window: window) }
            context.channel.parent?.close(promise: nil)
        case .rstStream:
            context.channel.parent?.close(promise: nil)
        default:
            break
        }
    }

    /// Writes one message on the stream and flushes it.
    func send(_ message: Commandhub_V1_AgentMessage, on channel: any Channel) {
        var buffer = channel.allocator.buffer(capacity: 64)
        do {
            try GRPCFraming.write(message, into: &buffer)
        } catch {
            return
        }
        channel.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(buffer))), promise: nil)
    }
}
