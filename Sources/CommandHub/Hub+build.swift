import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import Logging
import NIOCore

/// Assembles a hub from its configuration: registry, dispatcher, the gRPC server with the
/// `AgentLink` service, and the REST router. The one wiring function; the executables and the
/// tests both call it.
public func buildHub(
    configuration: HubConfiguration,
    authenticator: (any AgentAuthenticator)? = nil,
    clock: MonotonicClock = .continuous,
    logger: Logger = Logger(label: "commandhub")
) throws(ConfigurationError) -> Hub {
    try configuration.validate()
    let registry = AgentRegistry()
    let dispatcher = CommandDispatcher(
        registry: registry, clock: clock, deadlineResolution: configuration.deadlineResolution, logger: logger
    )
    let authenticator = authenticator ?? StaticTokenAuthenticator(
        tokens: configuration.agentTokens, allowAnonymous: configuration.allowUnauthenticatedAgents
    )
    let link = AgentLinkService(
        registry: registry, dispatcher: dispatcher, authenticator: authenticator,
        settings: .init(configuration: configuration), logger: logger
    )
    let grpcServer = GRPCServer(
        transport: .http2NIOPosix(
            address: socketAddress(host: configuration.grpcHost, port: configuration.grpcPort),
            transportSecurity: .plaintext,
            config: .defaults { transport in
                transport.rpc.maxRequestPayloadSize = configuration.maxAgentMessageBytes
                transport.connection.keepalive = .init(
                    time: configuration.keepaliveInterval,
                    timeout: configuration.keepaliveTimeout,
                    clientBehavior: .init(minPingIntervalWithoutCalls: .seconds(10), allowWithoutCalls: true)
                )
                // One agent needs one stream; a peer opening many is refused at the HTTP/2 layer.
                transport.http2.maxConcurrentStreams = 16
                // Commands are small and latency-bound: write each one out at once.
                transport.connection.flushCoalescing = nil
            }
        ),
        services: [link]
    )

    let router = Router(context: HubRequestContext.self)
    CommandRoutes(registry: registry, dispatcher: dispatcher, configuration: configuration).register(on: router)
    let boundHTTPPort = BoundPort()
    let application = Application(
        responder: HubResponder(base: router.buildResponder(), logger: logger),
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "commandhub"),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { boundHTTPPort.publish(port) }
        },
        logger: logger
    )
    return Hub(
        configuration: configuration, registry: registry, dispatcher: dispatcher, link: link, grpcServer: grpcServer,
        application: application, boundHTTPPort: boundHTTPPort, logger: logger
    )
}

private func socketAddress(host: String, port: Int) -> GRPCNIOTransportCore.SocketAddress {
    host.contains(":") ? .ipv6(host: host, port: port) : .ipv4(host: host, port: port)
}
