import Foundation
import HubCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import Wire

/// The hub's side of one `AgentLink.Connect` call, as a channel handler on the HTTP/2 stream:
/// standard gRPC on the wire (any gRPC stack can be an agent), no task per stream.
///
/// The handler is the session's I/O, nothing more: the `AgentSession` it creates owns the
/// call's life. On the stream's event loop it reads the request headers (validated, the bearer
/// token authenticated before any message is read), then messages — `Hello` first, then acks,
/// heartbeats and wallet snapshots — and reports each to the session and the link; it writes
/// what the session hands it. Whatever ends the call (the agent, the hub, a failure) goes
/// through `AgentSession.end`, which calls `finish` here once to put the status on the wire.
package final class AgentStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTP2Frame.FramePayload
    package typealias OutboundOut = HTTP2Frame.FramePayload

    package static let path = "/commandhub.v1.AgentLink/Connect"

    private let link: AgentLink
    package let session: AgentSession
    /// The way back to this handler for writes requested from other threads; emptied when the
    /// handler is removed, which also breaks the handler → session → handle → handler cycle.
    private let handle: StreamHandle
    private var framing: GRPCMessageReader
    private var reader: SessionReader
    private var context: ChannelHandlerContext?
    private var watchdog: Scheduled<Void>?
    /// A flush is queued for the end of this event-loop tick: commands written in the same tick
    /// (a burst of callers for one agent) leave in one `writev`.
    private var flushQueued = false

    /// Called on `eventLoop`, the stream channel's, as the stream is created.
    package init(link: AgentLink, eventLoop: any EventLoop, remotePeer: String) {
        let handle = StreamHandle(eventLoop: eventLoop)
        self.link = link
        self.handle = handle
        self.framing = GRPCMessageReader(maxMessageBytes: link.settings.maxMessageBytes)
        let session = AgentSession(
            remotePeer: remotePeer, outboxCapacity: link.settings.outboxCapacity, stream: handle, observer: link,
            now: Date(), monotonicNow: link.clock.now
        )
        self.session = session
        self.reader = SessionReader(link: link, session: session)
        handle.handler.value = self
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        self.session.end(.agentClosed)
        self.context = nil
        self.handle.handler.value = nil
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .headers(let headers):
            if self.session.phase == .awaitingHeaders {
                self.accept(headers.headers, context: context)
            } else if headers.endStream {
                self.session.end(.agentClosed)
            }
        case .data(let frame):
            let phase = self.session.phase
            guard phase == .awaitingHello || phase == .active else { return }
            if case .byteBuffer(let bytes) = frame.data {
                self.framing.append(bytes)
                self.readMessages()
            }
            if frame.endStream { self.session.end(.agentClosed) }
        case .rstStream:
            self.session.end(.agentClosed)
        default:
            break
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        self.session.end(.agentClosed)
        context.fireChannelInactive()
    }

    package func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.session.end(.streamFailed("\(error)"))
    }

    // MARK: The call's start

    /// Validates the request and authenticates it; a refusal ends the session before it was
    /// accepted, which makes it a trailers-only response.
    private func accept(_ headers: HPACKHeaders, context: ChannelHandlerContext) {
        let credential: AgentCredential
        do throws(HubError) {
            guard headers.first(name: ":method") == "POST", headers.first(name: ":path") == Self.path else {
                throw .methodNotFound(String(headers.first(name: ":path")?.prefix(128) ?? "none"))
            }
            guard headers.first(name: "content-type")?.hasPrefix("application/grpc") == true else { throw .notGRPC }
            if let encoding = headers.first(name: "grpc-encoding"), encoding != "identity" {
                throw .unsupportedCompression(String(encoding.prefix(32)))
            }
            credential = try self.link.authenticator.authenticate(token: AgentLink.bearerToken(in: headers))
        } catch {
            self.session.end(.closedByHub(error))
            return
        }
        guard self.session.accept(credential, monotonicNow: self.link.clock.now) else { return }
        self.link.accepted(self.session)
        context.writeAndFlush(self.wrapOutboundOut(GRPCFrames.responseHeaders()), promise: nil)
        self.armWatchdog()
    }

    // MARK: Messages

    private func readMessages() {
        while true {
            let message: Commandhub_V1_AgentMessage?
            do {
                message = try self.framing.nextAgentMessage()
            } catch {
                self.session.end(.closedByHub(error))
                return
            }
            guard let message else { return }
            if let welcome = self.reader.receive(message) {
                if let context, let frame = try? GRPCFrames.message(welcome, allocator: context.channel.allocator) {
                    context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
                }
                self.link.attach(self.session)
            }
            if case .ended = self.session.phase { return }
        }
    }

    // MARK: What the session asks of the stream (event loop only)

    /// Writes a command the session queued and reports the write's outcome to it — after the
    /// frame is built and written, never before; a command that cannot be encoded or written
    /// is reported as not written.
    fileprivate func write(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        guard let context, session.phase == .active else {
            return session.written(id, succeeded: false)
        }
        var message = Commandhub_V1_HubMessage()
        message.command = command
        let frame: HTTP2Frame.FramePayload
        do {
            frame = try GRPCFrames.message(message, allocator: context.channel.allocator)
        } catch {
            return session.written(id, succeeded: false)
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenComplete { result in
            if case .success = result { session.written(id, succeeded: true) } else { session.written(id, succeeded: false) }
        }
        context.write(self.wrapOutboundOut(frame), promise: promise)
        guard !self.flushQueued else { return }
        self.flushQueued = true
        context.eventLoop.assumeIsolated().execute {
            self.flushQueued = false
            self.context?.flush()
        }
    }

    /// Puts the end of the call on the wire, once: trailers with the reason's status (a
    /// trailers-only response when the call was never accepted, plain HTTP 415 when it was not
    /// gRPC at all), then closes the stream.
    fileprivate func finish(_ reason: SessionEnd, accepted: Bool) {
        self.watchdog?.cancel()
        self.watchdog = nil
        guard let context, context.channel.isActive else { return }
        if case .closedByHub(.notGRPC) = reason {
            context.writeAndFlush(self.wrapOutboundOut(.headers(.init(headers: [":status": "415"], endStream: true))), promise: nil)
            return
        }
        let trailers = GRPCFrames.trailers(reason, headersSent: accepted, reconnectWindow: self.link.settings.reconnectWindow)
        context.writeAndFlush(self.wrapOutboundOut(trailers)).whenComplete { _ in context.close(promise: nil) }
    }

    // MARK: Liveness

    /// Ends the call when the agent stays silent (`SessionReader.watchdog`). One timer per
    /// stream, re-armed only when it fires.
    private func armWatchdog() {
        guard let context, let delay = self.reader.watchdog() else { return }
        self.watchdog = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay.wholeNanoseconds)) {
            self.armWatchdog()
        }
    }
}

/// The session's way to its stream handler from any thread: hops to the stream's event loop
/// when needed. Holds the handler only while it is in the pipeline.
private final class StreamHandle: SessionStream {
    let eventLoop: any EventLoop
    let handler: NIOLoopBoundBox<AgentStreamHandler?>

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.handler = NIOLoopBoundBox.makeEmptyBox(valueType: AgentStreamHandler.self, eventLoop: eventLoop)
    }

    func write(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        if self.eventLoop.inEventLoop {
            self.written(command, id: id, session: session)
        } else {
            self.eventLoop.execute { self.written(command, id: id, session: session) }
        }
    }

    private func written(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        guard let handler = self.handler.value else { return session.written(id, succeeded: false) }
        handler.write(command, id: id, session: session)
    }

    func finish(_ reason: SessionEnd, accepted: Bool) {
        if self.eventLoop.inEventLoop {
            self.handler.value?.finish(reason, accepted: accepted)
        } else {
            self.eventLoop.execute { self.handler.value?.finish(reason, accepted: accepted) }
        }
    }
}

extension Duration {
    package var wholeNanoseconds: Int64 {
        self.components.seconds * 1_000_000_000 + self.components.attoseconds / 1_000_000_000
    }
}
