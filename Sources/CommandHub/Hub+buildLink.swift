import HubAPI
import HubCore
import HubLink
import HubStorage
import Logging

/// The agent link: the gRPC listener and what its sessions share. A revoked credential closes
/// its agents' streams at once.
func buildLink(_ configuration: HubConfiguration, fleet: HubFleet, store: HubStore, tls: ListenerTLS?, logger: Logger) -> AgentLinkServer {
    let link = AgentLink(
        registry: fleet.registry, dispatcher: fleet.dispatcher, authenticator: store.authenticator, reconciler: fleet.reconciler,
        wallets: store.wallets,
        settings: .init(
            heartbeatInterval: configuration.heartbeatInterval, livenessTimeout: configuration.livenessTimeout,
            helloTimeout: configuration.helloTimeout, outboxCapacity: configuration.outboxCapacity,
            maxMessageBytes: configuration.maxAgentMessageBytes,
            reconnectWindow: configuration.shutdownReconnectWindow
        ), logger: logger
    )
    store.authenticator.onRevoked { name in link.closeSessions(credential: name, error: .credentialRevoked(name)) }
    let options = AgentLinkServer.Options(
        host: configuration.grpcHost, port: configuration.grpcPort,
        keepaliveInterval: configuration.keepaliveInterval, keepaliveTimeout: configuration.keepaliveTimeout,
        drainTimeout: configuration.shutdownGracePeriod, tls: tls?.grpc
    )
    return AgentLinkServer(link: link, options: options)
}
