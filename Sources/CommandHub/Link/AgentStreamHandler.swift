import Foundation
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2
import SwiftProtobuf
import Wire

/// The hub's side of one `AgentLink.Connect` call, as a channel handler on the HTTP/2 stream:
/// standard gRPC on the wire (any gRPC stack can be an agent), no task per stream.
///
/// Life of a stream, all on its event loop: request headers are validated and the bearer token
/// authenticated before any message is read; then the first message must be `Hello`; then acks,
/// heartbeats and wallet snapshots. Commands are written by `AgentSession.enqueue` straight onto
/// the stream. Whatever ends the stream (the agent, the hub, a failure) runs `end` once: the
/// session is detached, its waiting commands fail at once, and the agent gets a gRPC status.
final class AgentStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    static let path = "/commandhub.v1.AgentLink/Connect"

    private enum Phase {
        /// Waiting for the request headers.
        case idle
        case open(AgentSession)
        case ended
    }

    private let link: AgentLink
    private var phase = Phase.idle
    private var reader: GRPCMessageReader
    private var context: ChannelHandlerContext?
    private var headersSent = false
    private var watchdog: Scheduled<Void>?
    private var floodGuard: FloodGuard

    init(link: AgentLink) {
        self.link = link
        self.reader = GRPCMessageReader(maxMessageBytes: link.settings.maxMessageBytes)
        self.floodGuard = FloodGuard(heartbeatInterval: link.settings.heartbeatInterval)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .headers(let headers):
            if case .idle = self.phase {
                self.accept(headers.headers, context: context)
            } else if headers.endStream {
                self.end(.agentClosed)
            }
        case .data(let frame):
            guard case .open(let session) = self.phase else { return }
            if case .byteBuffer(let bytes) = frame.data {
                self.reader.append(bytes)
                self.readMessages(session)
            }
            if frame.endStream { self.end(.agentClosed) }
        case .rstStream:
            self.end(.agentClosed)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.end(.agentClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.end(.streamFailed("\(error)"))
    }

    // MARK: The call's start

    /// Validates the request and authenticates it; refusals are trailers-only responses.
    private func accept(_ headers: HPACKHeaders, context: ChannelHandlerContext) {
        guard headers.first(name: ":method") == "POST", headers.first(name: ":path") == Self.path else {
            return self.refuse(.unimplemented, "Method not found: \(headers.first(name: ":path")?.prefix(128) ?? "none")")
        }
        guard headers.first(name: "content-type")?.hasPrefix("application/grpc") == true else {
            // Not gRPC at all: plain HTTP 415, as the gRPC spec asks.
            self.phase = .ended
            context.writeAndFlush(self.wrapOutboundOut(.headers(.init(headers: [":status": "415"], endStream: true))), promise: nil)
            return
        }
        if let encoding = headers.first(name: "grpc-encoding"), encoding != "identity" {
            return self.refuse(.unimplemented, "Message compression \(encoding.prefix(32)) is not supported")
        }
        let credential: AgentCredential
        do {
            credential = try self.link.authenticator.authenticate(token: AgentLink.bearerToken(in: headers))
        } catch {
            return self.refuse(error.grpcStatus, error.message, metadata: [("hub-error", error.code)])
        }
        let session = AgentSession(
            remotePeer: context.channel.parent?.remoteAddress.map(AgentLink.describe) ?? "unknown",
            credential: credential, outboxCapacity: self.link.settings.outboxCapacity,
            output: StreamOutput(eventLoop: context.eventLoop, handler: NIOLoopBound(self, eventLoop: context.eventLoop), link: self.link),
            now: Date(), monotonicNow: self.link.clock.now
        )
        self.phase = .open(session)
        self.link.sessions.insert(session)
        self.headersSent = true
        context.writeAndFlush(self.wrapOutboundOut(GRPCFrames.responseHeaders()), promise: nil)
        self.armWatchdog(session)
    }

    /// Ends a call that never became a session.
    private func refuse(_ code: GRPCStatusCode, _ message: String, metadata: [(String, String)] = []) {
        self.phase = .ended
        guard let context = self.context else { return }
        context.writeAndFlush(self.wrapOutboundOut(GRPCFrames.trailers(code, message: message, metadata: metadata, headersSent: false)))
            .whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: Messages

    private func readMessages(_ session: AgentSession) {
        while case .open = self.phase {
            let message: Commandhub_V1_AgentMessage?
            do {
                message = try self.reader.nextAgentMessage()
            } catch {
                return self.end(.closedByHub(error))
            }
            guard let message else { return }
            self.receive(message, on: session)
        }
    }

    private func receive(_ message: Commandhub_V1_AgentMessage, on session: AgentSession) {
        let link = self.link
        let now = link.clock.now
        session.touch(at: Date(), monotonicNow: now, heartbeat: message.heartbeat(ifKind: true))
        guard session.identity != nil else {
            guard case .hello(let hello) = message.kind else {
                return self.end(.closedByHub(.helloRequired(got: message.kind.map(AgentLink.name(of:)) ?? "an empty message")))
            }
            return self.hello(hello, on: session)
        }
        switch message.kind {
        case .ack(let ack):
            let answered = link.dispatcher.acknowledge(ack, from: session)
            if ack.hasAgentState { link.registry.updated(session) }
            if !answered, self.floodGuard.unasked(at: now) {
                return self.end(.closedByHub(.flooding("acks for commands the hub did not send")))
            }
        case .heartbeat:
            link.registry.updated(session)
            if self.floodGuard.heartbeat(at: now) {
                return self.end(.closedByHub(.flooding("heartbeats: the hub asked for one every \(link.settings.heartbeatInterval.secondsText)s")))
            }
        case .walletSnapshot(let snapshot):
            if self.floodGuard.walletSnapshot(at: now) {
                return self.end(.closedByHub(.flooding("wallet snapshots")))
            }
            if let agentID = session.identity?.agentID, snapshot.balances.count <= 10_000 {
                link.wallets?.record(
                    snapshot.balances, of: agentID, syncedAt: WireTime.date(milliseconds: snapshot.syncedAtMs) ?? Date(),
                    complete: true, source: "snapshot"
                )
            }
        case .hello, nil:
            // A second Hello is ignored (identity is fixed per stream); an unknown message from a
            // newer agent counts as liveness only — unless there are floods of them.
            if self.floodGuard.unasked(at: now) {
                return self.end(.closedByHub(.flooding("messages the hub did not ask for")))
            }
        }
    }

    /// Validates the Hello, activates the session, answers Welcome, and makes it the agent's
    /// live session, closing any session it replaces.
    private func hello(_ hello: Commandhub_V1_Hello, on session: AgentSession) {
        var identity: AgentIdentity
        do { identity = try AgentIdentity(hello: hello) } catch { return self.end(.closedByHub(error)) }
        identity.labels = session.credential.labels.merging(identity.labels) { _, own in own }
        guard session.activate(identity, status: hello.status) else { return }
        var welcome = Commandhub_V1_HubMessage()
        welcome.welcome.sessionID = session.sessionID.lowercased
        welcome.welcome.heartbeatIntervalMs = self.link.settings.heartbeatInterval.wholeMilliseconds
        welcome.welcome.livenessTimeoutMs = self.link.settings.livenessTimeout.wholeMilliseconds
        welcome.welcome.serverTimeMs = WireTime.nowMilliseconds()
        self.write(welcome)
        self.link.attach(session)
    }

    // MARK: Writes (event loop only)

    /// Writes one message and flushes; `written` runs once the write completed or failed.
    func write(_ message: Commandhub_V1_HubMessage, written: (@Sendable () -> Void)? = nil) {
        guard case .open = self.phase, let context = self.context,
              let frame = try? GRPCFrames.message(message, allocator: context.channel.allocator)
        else {
            written?()
            return
        }
        if let written {
            let promise = context.eventLoop.makePromise(of: Void.self)
            promise.futureResult.whenComplete { _ in written() }
            context.writeAndFlush(self.wrapOutboundOut(frame), promise: promise)
        } else {
            context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        }
    }

    /// Writes a command the session queued; marks it sent with the dispatcher first.
    func writeCommand(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        guard case .open(let current) = self.phase, current === session else {
            session.written()
            return
        }
        self.link.dispatcher.markSent(id)
        var message = Commandhub_V1_HubMessage()
        message.command = command
        self.write(message) { session.written() }
    }

    // MARK: The end

    /// Ends the call once: detaches the session, fails its waiting commands, tells the agent.
    func end(_ reason: SessionEnd) {
        guard case .open(let session) = self.phase else {
            if case .idle = self.phase { self.phase = .ended }
            return
        }
        self.phase = .ended
        self.watchdog?.cancel()
        self.watchdog = nil
        session.close(reason)
        self.link.ended(session)
        guard let context = self.context, context.channel.isActive else { return }
        let final = session.endReason ?? reason
        let trailers: HTTP2Frame.FramePayload
        switch final {
        case .agentClosed:
            trailers = GRPCFrames.trailers(.ok, message: nil, headersSent: self.headersSent)
        case .streamFailed(let why):
            trailers = GRPCFrames.trailers(.unavailable, message: why, headersSent: self.headersSent)
        case .closedByHub(let error):
            trailers = GRPCFrames.trailers(
                error.grpcStatus, message: error.message, metadata: [("hub-error", error.code)], headersSent: self.headersSent
            )
        }
        context.writeAndFlush(self.wrapOutboundOut(trailers)).whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: Liveness

    /// Ends the call when the agent stays silent: past the Hello timeout before its Hello, past
    /// the liveness timeout after. One timer per stream, re-armed only when it fires.
    private func armWatchdog(_ session: AgentSession) {
        guard let context = self.context else { return }
        let settings = self.link.settings
        let clock = self.link.clock
        let awaitingHello = session.identity == nil
        let lastSeen = session.lastSeenOffset
        let limit = awaitingHello ? settings.helloTimeout : settings.livenessTimeout
        if clock.now >= lastSeen + limit {
            return self.end(.closedByHub(awaitingHello ? .helloTimeout(limit) : .livenessTimeout(limit)))
        }
        // While the Hello is pending, wake no later than the (shorter) liveness limit would need.
        let wake = lastSeen + (awaitingHello ? min(limit, settings.livenessTimeout) : limit)
        let delay = max(wake - clock.now, .milliseconds(1))
        self.watchdog = context.eventLoop.scheduleTask(in: .nanoseconds(delay.wholeNanoseconds)) { [weak self] in
            self?.armWatchdog(session)
        }
    }
}

/// A session's output onto its stream: hops to the stream's event loop when needed.
struct StreamOutput: SessionOutput {
    let eventLoop: any EventLoop
    let handler: NIOLoopBound<AgentStreamHandler>
    let link: AgentLink

    func send(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        if self.eventLoop.inEventLoop {
            self.handler.value.writeCommand(command, id: id, session: session)
        } else {
            self.eventLoop.execute { self.handler.value.writeCommand(command, id: id, session: session) }
        }
    }

    func end(_ reason: SessionEnd) {
        if self.eventLoop.inEventLoop {
            self.handler.value.end(reason)
        } else {
            self.eventLoop.execute { self.handler.value.end(reason) }
        }
    }
}

extension Commandhub_V1_AgentMessage {
    /// The heartbeat, when this message is one.
    fileprivate func heartbeat(ifKind _: Bool) -> Commandhub_V1_Heartbeat? {
        if case .heartbeat(let heartbeat) = self.kind { return heartbeat }
        return nil
    }
}

extension Duration {
    var wholeNanoseconds: Int64 {
        self.components.seconds * 1_000_000_000 + self.components.attoseconds / 1_000_000_000
    }
}
