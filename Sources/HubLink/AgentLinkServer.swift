import HubCore
import Logging
import NIOCore
import NIOHTTP2
import NIOPosix
import NIOSSL
import ServiceLifecycle
import Synchronization

/// The agents' gRPC listener, on SwiftNIO: one HTTP/2 connection per agent, one
/// `AgentStreamHandler` per call, all on the event loops.
///
/// With `Options.tls`, every connection starts with a TLS handshake (`NIOSSLServerHandler`
/// first in the pipeline, ALPN `h2`); a connection whose handshake fails — plaintext, no client
/// certificate or an untrusted one under mutual TLS — is closed before any HTTP/2 is read, so
/// it never reaches authentication or the registry.
///
/// Graceful shutdown: the listener stops accepting, every session is closed with `UNAVAILABLE`
/// "The hub is shutting down" (its waiting commands fail as undeliverable), and once the
/// statuses are written — or after `drainTimeout` — the connections are closed.
package final class AgentLinkServer: Service {
    package struct Options: Sendable {
        package var host: String
        package var port: Int
        package var keepaliveInterval: Duration
        package var keepaliveTimeout: Duration
        package var drainTimeout: Duration
        /// Streams one connection may have open at once (an agent needs one).
        package var maxConcurrentStreams = 4
        /// The server's TLS context, shared by every connection; nil serves plaintext.
        package var tls: NIOSSLContext?

        package init(
            host: String,
            port: Int,
            keepaliveInterval: Duration,
            keepaliveTimeout: Duration,
            drainTimeout: Duration,
            tls: NIOSSLContext? = nil
        ) {
            self.host = host
            self.port = port
            self.keepaliveInterval = keepaliveInterval
            self.keepaliveTimeout = keepaliveTimeout
            self.drainTimeout = drainTimeout
            self.tls = tls
        }
    }

    package let link: AgentLink
    package let options: Options
    package let group: any EventLoopGroup
    package let boundPort = BoundPort()
    private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

    package init(link: AgentLink, options: Options, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.link = link
        self.options = options
        self.group = group
    }

    package func run() async throws {
        let server: any Channel
        do {
            server = try await self.bootstrap().bind(host: self.options.host, port: self.options.port).get()
        } catch {
            self.boundPort.fail(.shuttingDown)
            throw error
        }
        if let port = server.localAddress?.port { self.boundPort.publish(port) }
        defer { self.boundPort.fail(.shuttingDown) }
        // Graceful shutdown and cancellation both stop the listener; `closeFuture` alone would
        // not notice a cancelled task.
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await server.closeFuture.get()
            } onGracefulShutdown: {
                server.close(promise: nil)
            }
        } onCancel: {
            server.close(promise: nil)
        }
        // Shutdown (or the listener failed): end every call with a clear status, then the connections.
        let closed = self.link.closeAllSessions(.shuttingDown)
        self.link.logger.info("closing agent streams", metadata: ["sessions": "\(closed)"])
        await withTaskGroup(of: Void.self) { drain in
            drain.addTask { await self.link.sessions.waitUntilEmpty() }
            drain.addTask { try? await Task.sleep(for: self.options.drainTimeout) }
            await drain.next()
            drain.cancelAll()
        }
        for channel in self.connections.withLock({ Array($0.values) }) {
            try? await channel.close()
        }
    }

    private func bootstrap() -> ServerBootstrap {
        let options = self.options
        let link = self.link
        let logger = self.link.logger
        return ServerBootstrap(group: self.group)
            .serverChannelOption(.backlog, value: 4096)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            // Accept many connections per tick: a reconnect storm arrives all at once.
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // Reads are a heartbeat or an ack, a few hundred bytes: a small first receive buffer
            // (each connection keeps one), grown only for a connection that needs it.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65_536))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls = options.tls {
                        try channel.pipeline.syncOperations.addHandlers([
                            NIOSSLServerHandler(context: tls), TLSHandshakeReporter(logger: logger),
                        ])
                    }
                    // Small windows: commands and acks are a few hundred bytes each.
                    let http2 = NIOHTTP2Handler(
                        mode: .server,
                        initialSettings: [
                            HTTP2Setting(parameter: .maxConcurrentStreams, value: options.maxConcurrentStreams),
                            HTTP2Setting(parameter: .initialWindowSize, value: 65_535),
                            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 14),
                            HTTP2Setting(parameter: .maxHeaderListSize, value: 16_384),
                        ])
                    let keepalive = KeepaliveHandler(
                        interval: .nanoseconds(options.keepaliveInterval.wholeNanoseconds),
                        timeout: .nanoseconds(options.keepaliveTimeout.wholeNanoseconds)
                    )
                    let multiplexer = HTTP2StreamMultiplexer(
                        mode: .server, channel: channel, targetWindowSize: 65_535,
                        outboundBufferSizeHighWatermark: 16_384, outboundBufferSizeLowWatermark: 8_192
                    ) { stream in
                        stream.eventLoop.makeCompletedFuture {
                            let peer = stream.parent?.remoteAddress.map(AgentLink.describe) ?? "unknown"
                            try stream.pipeline.syncOperations.addHandler(
                                AgentStreamHandler(link: link, eventLoop: stream.eventLoop, remotePeer: peer))
                        }
                    }
                    try channel.pipeline.syncOperations.addHandlers([http2, keepalive, multiplexer])
                    self.track(channel)
                }
            }
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        self.connections.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { _ in
            self.connections.withLock { $0[key] = nil }
        }
    }
}
