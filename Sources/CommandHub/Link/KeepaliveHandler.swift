import NIOCore
import NIOHTTP2

/// HTTP/2 keepalive for one agent connection: when nothing arrived for `interval`, send a PING;
/// if nothing at all arrives within `timeout` after it, close the connection. This catches a
/// peer that is gone or stalled without a close (e.g. it stopped reading) in bounded time,
/// independently of application heartbeats. Sits between `NIOHTTP2Handler` and the stream
/// multiplexer, so it sees every frame; confined to the connection's event loop.
final class KeepaliveHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let interval: TimeAmount
    private let timeout: TimeAmount
    private var lastRead = NIODeadline.now()
    private var pingTimer: Scheduled<Void>?
    private var deadline: Scheduled<Void>?

    init(interval: TimeAmount, timeout: TimeAmount) {
        self.interval = interval
        self.timeout = timeout
    }

    func channelActive(context: ChannelHandlerContext) {
        self.schedulePing(context: context, after: self.interval)
        context.fireChannelActive()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.schedulePing(context: context, after: self.interval) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.cancel()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.lastRead = .now()
        if self.deadline != nil {
            self.deadline?.cancel()
            self.deadline = nil
        }
        context.fireChannelRead(data)
    }

    private func schedulePing(context: ChannelHandlerContext, after delay: TimeAmount) {
        self.pingTimer?.cancel()
        self.pingTimer = context.eventLoop.scheduleTask(in: delay) { [weak self] in
            self?.check(context: context)
        }
    }

    private func check(context: ChannelHandlerContext) {
        let idle = NIODeadline.now() - self.lastRead
        guard idle >= self.interval else {
            return self.schedulePing(context: context, after: self.interval - idle)
        }
        let ping = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: UInt64(idle.nanoseconds)), ack: false))
        context.writeAndFlush(self.wrapOutboundOut(ping), promise: nil)
        self.deadline = context.eventLoop.scheduleTask(in: self.timeout) {
            // Nothing came back, not even the PING's ack.
            context.close(promise: nil)
        }
        self.schedulePing(context: context, after: self.interval)
    }

    private func cancel() {
        self.pingTimer?.cancel()
        self.pingTimer = nil
        self.deadline?.cancel()
        self.deadline = nil
    }
}
