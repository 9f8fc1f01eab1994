import HubCore
import NIOCore
import NIOHTTP2

/// HTTP/2 keepalive for one agent connection: every `interval` a PING goes out, and if its
/// acknowledgement has not come back within `timeout` the connection is closed.
///
/// Only the PING's ack counts, not other traffic: a peer that stopped reading (a stalled
/// network, a frozen process whose kernel still accepts bytes) can go on *sending* — its
/// heartbeats arrive — while nothing the hub writes is read, and only an unanswered PING shows
/// that. One PING per interval per connection is a few bytes. Sits between `NIOHTTP2Handler`
/// (which answers the peer's own PINGs) and the stream multiplexer; confined to the
/// connection's event loop.
package final class KeepaliveHandler: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTP2Frame
    package typealias InboundOut = HTTP2Frame
    package typealias OutboundIn = HTTP2Frame
    package typealias OutboundOut = HTTP2Frame

    private let interval: TimeAmount
    private let timeout: TimeAmount
    private var pingTimer: Scheduled<Void>?
    private var deadline: Scheduled<Void>?
    /// The data of the PING awaiting its ack.
    private var outstanding: UInt64?
    private var sent: UInt64 = 0

    package init(interval: TimeAmount, timeout: TimeAmount) {
        self.interval = interval
        self.timeout = timeout
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { self.start(context: context) }
    }

    package func channelActive(context: ChannelHandlerContext) {
        self.start(context: context)
        context.fireChannelActive()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        self.stop()
        context.fireChannelInactive()
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        self.stop()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = self.unwrapInboundIn(data)
        if case .ping(let ping, ack: true) = frame.payload, ping.integer == self.outstanding {
            self.outstanding = nil
            self.deadline?.cancel()
            self.deadline = nil
        }
        context.fireChannelRead(data)
    }

    private func start(context: ChannelHandlerContext) {
        guard self.pingTimer == nil else { return }
        self.schedulePing(context: context)
    }

    private func schedulePing(context: ChannelHandlerContext) {
        self.pingTimer = context.eventLoop.assumeIsolated().scheduleTask(in: self.interval) {
            self.schedulePing(context: context)
            self.ping(context: context)
        }
    }

    private func ping(context: ChannelHandlerContext) {
        guard self.outstanding == nil, context.channel.isActive else { return }
        self.sent &+= 1
        let data = self.sent
        self.outstanding = data
        let frame = HTTP2Frame(streamID: .rootStream, payload: .ping(HTTP2PingData(withInteger: data), ack: false))
        context.writeAndFlush(self.wrapOutboundOut(frame), promise: nil)
        self.deadline = context.eventLoop.assumeIsolated().scheduleTask(in: self.timeout) {
            // No ack in time: the peer is gone or does not read.
            context.close(promise: nil)
        }
    }

    private func stop() {
        self.pingTimer?.cancel()
        self.pingTimer = nil
        self.deadline?.cancel()
        self.deadline = nil
    }
}
