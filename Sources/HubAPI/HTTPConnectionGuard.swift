import HubCore
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Bounds what one REST connection may hold: a request's head must arrive within `timeout` of
/// the connection opening (or of the previous response), and its body within `timeout` of its
/// head; a connection past that is closed. A slow client (slowloris) holds a socket for at
/// most `timeout`, never forever. Time the hub spends answering is not counted. At most
/// `ConnectionCount.limit` connections are open at once; more are closed on arrival.
///
/// One per connection, added after HTTP decoding; confined to the connection's event loop.
package final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPRequestPart
    package typealias InboundOut = HTTPRequestPart
    package typealias OutboundIn = HTTPResponsePart
    package typealias OutboundOut = HTTPResponsePart

    /// Open connections, shared by every guard of one listener.
    package final class ConnectionCount: Sendable {
        private struct State {
            var open = 0
            var roomWaiters = Waiters<Void>()
        }

        package let limit: Int
        private let state = Mutex(State())

        package init(limit: Int) {
            self.limit = limit
        }

        /// Counts a new connection; false when it is one too many (it is counted anyway, and
        /// `leave` when it closes).
        package func enter() -> Bool {
            self.state.withLock { state in
                state.open += 1
                return state.open <= self.limit
            }
        }

        package func leave() {
            let waiters = self.state.withLock { state -> Resumption<Void>? in
                state.open -= 1
                return state.open < self.limit ? state.roomWaiters.takeAll() : nil
            }
            waiters?.resume()
        }

        /// Returns once a new connection would be taken.
        package func waitForRoom() async {
            await self.state.wait(in: \.roomWaiters) { $0.open < self.limit ? () : nil }
        }
    }

    private let timeout: TimeAmount
    private let connections: ConnectionCount
    /// When the client's time runs out; nil while the hub is answering.
    private var deadline: NIODeadline?
    /// One timer at a time, moved lazily: arming only writes `deadline` (a request costs a clock
    /// read, not a scheduled task); the timer, when it fires, re-arms itself for a later one.
    private var timer: Scheduled<Void>?
    private var counted = false
    /// Requests read in full and not yet answered (pipelining), and whether one is being read.
    private var answering = 0
    private var reading = false

    package init(timeout: TimeAmount, connections: ConnectionCount) {
        self.timeout = timeout
        self.connections = connections
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.counted = true
        guard self.connections.enter() else {
            context.close(promise: nil)
            return
        }
        self.arm(context: context)
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        self.cancelTimer()
        if self.counted {
            self.counted = false
            self.connections.leave()
        }
    }

    package func channelInactive(context: ChannelHandlerContext) {
        self.cancelTimer()
        context.fireChannelInactive()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head:
            self.reading = true
            self.arm(context: context)  // the body's clock starts
        case .body:
            break
        case .end:
            self.reading = false
            self.answering += 1
            self.disarm()  // the hub's turn
        }
        context.fireChannelRead(data)
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = self.unwrapOutboundIn(data) {
            self.answering = max(0, self.answering - 1)
            if self.answering == 0, !self.reading { self.arm(context: context) }  // the next request's clock
        }
        context.write(data, promise: promise)
    }

    private func arm(context: ChannelHandlerContext) {
        let deadline = NIODeadline.now() + self.timeout
        self.deadline = deadline
        if self.timer == nil { self.schedule(at: deadline, context: context) }
    }

    private func disarm() {
        self.deadline = nil
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext) {
        self.timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            guard let current = self.deadline else { return }
            if current <= .now() {
                context.close(promise: nil)
            } else {
                self.schedule(at: current, context: context)
            }
        }
    }

    private func cancelTimer() {
        self.timer?.cancel()
        self.timer = nil
        self.deadline = nil
    }
}
