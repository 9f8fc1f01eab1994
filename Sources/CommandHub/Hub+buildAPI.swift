import DaemonSupport
import HubAPI
import HubCore
import HubLink
import HubStorage
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// The REST API as a Hummingbird application: operator tokens (their key from the
/// configuration or generated once and kept in the database), the router, and the HTTP/1
/// server with the connection guard (request timeout, connection limit) under TLS or not.
func buildAPI(
    _ configuration: HubConfiguration, fleet: HubFleet, store: HubStore, linkServer: AgentLinkServer, tls: ListenerTLS?,
    logger: Logger
) async throws -> HubRESTAPI {
    let signingKey: [UInt8]
    if let secret = configuration.jwtSecret {
        signingKey = Array(secret.utf8)
    } else {
        signingKey = try await store.startup.secret(named: "operator_token_key", make: TokenIssuer.newKey)
    }
    let tokens = TokenIssuer(key: signingKey, lifetime: configuration.tokenLifetime)
    let boundPort = BoundPort()
    let (router, routes) = buildRouter(
        configuration, fleet: fleet, store: store, tokens: tokens, ports: .init(grpc: linkServer.boundPort, http: boundPort)
    )
    let connections = HTTPConnectionGuard.ConnectionCount(limit: configuration.httpMaxConnections)
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [
            HTTPConnectionGuard(timeout: .nanoseconds(configuration.httpRequestTimeout.wholeNanoseconds), connections: connections)
        ],
        httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
    )
    let server: HTTPServerBuilder
    do {
        server = try tls.map { try .tls(.http1(configuration: http1), tlsConfiguration: $0.rest) } ?? .http1(configuration: http1)
    } catch {
        throw ConfigurationError.invalid(key: "tls.cert_file", reason: "cannot serve REST over TLS (\(error))")
    }
    let application = Application(
        responder: HubResponder(base: router.buildResponder(), routes: routes, logger: logger),
        server: server,
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "commandhub"),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { boundPort.publish(port) }
        },
        logger: logger
    )
    return HubRESTAPI(application: application, boundPort: boundPort, tokens: tokens, routes: routes, connections: connections)
}

/// The REST API, built.
struct HubRESTAPI: Sendable {
    let application: Application<HubResponder<RouterResponder<HubRequestContext>>>
    let boundPort: BoundPort
    let tokens: TokenIssuer
    let routes: RouteCatalogue
    /// Its open connections, against `http.max_connections`.
    let connections: HTTPConnectionGuard.ConnectionCount
}
