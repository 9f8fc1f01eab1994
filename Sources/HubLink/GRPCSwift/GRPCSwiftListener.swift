import GRPCCore
import GRPCNIOTransportHTTP2
import HubCore
import ServiceLifecycle

/// The agents' listener as grpc-swift's `GRPCServer` with `HTTP2ServerTransport.Posix`
/// (plaintext), configured like `AgentLinkServer` (keepalive, windows, four streams per
/// connection, the message limit); the other side of the measurement `AgentLinkServer` makes.
struct GRPCSwiftListener {
    let link: AgentLink
    let options: AgentLinkServer.Options
    let boundPort: BoundPort

    func run() async throws {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        config.connection.keepalive = .init(
            time: self.options.keepaliveInterval, timeout: self.options.keepaliveTimeout,
            clientBehavior: .init(minPingIntervalWithoutCalls: .seconds(5), allowWithoutCalls: true)
        )
        config.http2 = .init(maxFrameSize: 1 << 14, targetWindowSize: 65_535, maxConcurrentStreams: self.options.maxConcurrentStreams)
        config.rpc.maxRequestPayloadSize = self.link.settings.maxMessageBytes
        let transport = HTTP2ServerTransport.Posix(
            address: .ipv4(host: self.options.host, port: self.options.port), transportSecurity: .plaintext, config: config
        )
        let server = GRPCServer(transport: transport, services: [AgentLinkService(link: self.link)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            if let port = try await transport.listeningAddress.ipv4?.port { self.boundPort.publish(port) }
            try await withGracefulShutdownHandler {
                try await group.next()
            } onGracefulShutdown: {
                self.link.closeAllSessions(.shuttingDown)
                server.beginGracefulShutdown()
            }
            group.cancelAll()
        }
    }
}
