import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A running hub: the gRPC `AgentLink` listener, the REST API and the deadline sweeper, as one
/// lifecycle `Service`.
///
/// Built by `buildHub(configuration:)`; tests build the same thing on port 0 and read the bound
/// ports from `grpcPort` and `httpPort`. On graceful shutdown (SIGTERM in a `ServiceGroup`) the
/// hub stops accepting streams, closes every agent session with `UNAVAILABLE` "shutting down"
/// (their waiting commands fail as undeliverable) and stops the REST listener.
public final class Hub: Service, Sendable {
    public let configuration: HubConfiguration
    public let registry: AgentRegistry
    public let dispatcher: CommandDispatcher
    let grpcServer: GRPCServer<HTTP2ServerTransport.Posix>
    let application: Application<HubResponder<RouterResponder<HubRequestContext>>>
    let boundHTTPPort: BoundPort
    let logger: Logger

    init(
        configuration: HubConfiguration, registry: AgentRegistry, dispatcher: CommandDispatcher,
        grpcServer: GRPCServer<HTTP2ServerTransport.Posix>,
        application: Application<HubResponder<RouterResponder<HubRequestContext>>>,
        boundHTTPPort: BoundPort, logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.dispatcher = dispatcher
        self.grpcServer = grpcServer
        self.application = application
        self.boundHTTPPort = boundHTTPPort
        self.logger = logger
    }

    /// The port the gRPC listener bound, once it has.
    public var grpcPort: Int {
        get async throws {
            guard let address = try await self.grpcServer.listeningAddress else { throw HubError.shuttingDown }
            if let ipv4 = address.ipv4 { return ipv4.port }
            if let ipv6 = address.ipv6 { return ipv6.port }
            throw HubError.shuttingDown
        }
    }

    /// The port the REST listener bound, once it has.
    public var httpPort: Int {
        get async throws { try await self.boundHTTPPort.value }
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.dispatcher.run() }
            group.addTask {
                try await withGracefulShutdownHandler {
                    try await withThrowingTaskGroup(of: Void.self) { servers in
                        servers.addTask { try await self.grpcServer.serve() }
                        servers.addTask {
                            defer { self.boundHTTPPort.fail(.shuttingDown) }
                            try await self.application.run()
                        }
                        defer { servers.cancelAll() }
                        // Either listener ending (an error, or shutdown) ends the hub.
                        try await servers.next()
                    }
                } onGracefulShutdown: {
                    self.beginShutdown()
                }
            }
            defer { group.cancelAll() }
            try await group.next()
            self.closeAllSessions()
        }
    }

    /// Stops accepting agent streams and ends the live ones with a clear status.
    func beginShutdown() {
        self.logger.info("hub shutting down", metadata: ["agents": "\(self.registry.connectedCount)"])
        self.grpcServer.beginGracefulShutdown()
        self.closeAllSessions()
    }

    private func closeAllSessions() {
        for session in self.registry.liveSessions() {
            session.close(.closedByHub(.shuttingDown))
            self.dispatcher.sessionEnded(session)
        }
    }
}
