import Foundation
import HubAPI
import HubCore
import HubLink
import HubStorage
import Hummingbird
import Logging
import ServiceLifecycle

/// A running hub: its store's services, the deadline sweeper, the gRPC `AgentLink` listener,
/// the REST API and its live events, as one lifecycle `Service` (an inner `ServiceGroup`).
///
/// Built by `buildHub(configuration:)`; tests build the same thing on port 0 and read the bound
/// ports from `grpcPort` and `httpPort`. Graceful shutdown (SIGTERM in the outer group) runs in
/// reverse start order: open event streams end, the REST API stops accepting and lets in-flight
/// requests finish (their commands end by ack or deadline), then every agent stream is closed with `UNAVAILABLE`
/// "The hub is shutting down", then the sweeper stops, and last the store commits what it has
/// buffered. `shutdownGracePeriod` bounds the whole.
public final class Hub: Service, Sendable {
    public let configuration: HubConfiguration
    package let store: HubStore
    package let fleet: HubFleet
    let linkServer: AgentLinkServer
    let api: HubRESTAPI
    let logger: Logger

    init(configuration: HubConfiguration, store: HubStore, fleet: HubFleet, linkServer: AgentLinkServer, api: HubRESTAPI, logger: Logger) {
        self.configuration = configuration
        self.store = store
        self.fleet = fleet
        self.linkServer = linkServer
        self.api = api
        self.logger = logger
    }

    package var registry: AgentRegistry { self.fleet.registry }
    package var dispatcher: CommandDispatcher { self.fleet.dispatcher }
    package var events: HubEvents { self.fleet.events }
    package var metrics: HubMetrics { self.fleet.metrics }
    package var operators: OperatorDirectory { self.store.operators }
    package var link: AgentLink { self.linkServer.link }
    package var tokens: TokenIssuer { self.api.tokens }
    /// Every REST route with who may call it.
    package var routes: RouteCatalogue { self.api.routes }
    package var httpConnections: HTTPConnectionGuard.ConnectionCount { self.api.connections }

    /// The port the gRPC listener bound, once it has.
    public var grpcPort: Int {
        get async throws { try await self.linkServer.boundPort.value }
    }

    /// The port the REST listener bound, once it has.
    public var httpPort: Int {
        get async throws { try await self.api.boundPort.value }
    }

    public func run() async throws {
        var group = ServiceGroupConfiguration(
            services: self.store.services.map { .init(service: $0) } + [
                .init(service: DeadlineSweeper(dispatcher: self.dispatcher)),
                .init(service: self.fleet.reconciler),
                .init(service: MemoryReturner()),
                .init(service: self.linkServer),
                .init(
                    service: HTTPListener(
                        application: self.api.application, boundPort: self.api.boundPort, dispatcher: self.dispatcher, link: self.link,
                        gracePeriod: self.configuration.shutdownGracePeriod
                    )),
                // Last, so shut down first: open event streams end before the listener drains.
                .init(service: self.events),
            ],
            logger: self.logger
        )
        group.maximumGracefulShutdownDuration = self.configuration.shutdownGracePeriod * 2
        try await ServiceGroup(configuration: group).run()
    }
}

/// The REST listener as a service; fails waiters for its port if it ends before binding.
///
/// On graceful shutdown it stops accepting and waits for in-flight requests — bounded: once
/// `gracePeriod` has passed with commands still waiting for agents, every agent stream is
/// closed with "The hub is shutting down", so those commands end `undeliverable` at once and
/// their requests are answered (503) instead of holding the shutdown up until their deadlines.
struct HTTPListener: Service {
    let application: Application<HubResponder<RouterResponder<HubRequestContext>>>
    let boundPort: BoundPort
    let dispatcher: CommandDispatcher
    let link: AgentLink
    let gracePeriod: Duration

    func run() async throws {
        defer { self.boundPort.fail(.shuttingDown) }
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                try await self.application.run()
                return true
            }
            group.addTask {
                do { try await gracefulShutdown() } catch { return false }  // cancelled: nothing to drain
                try? await self.drain()
                return false
            }
            // Only the application's end ends the listener; the drain just helps it end.
            while let applicationEnded = try await group.next() {
                if applicationEnded {
                    group.cancelAll()
                    return
                }
            }
        }
    }

    /// Waits up to the grace period for waiting commands to finish, then ends the rest.
    private func drain() async throws {
        self.link.logger.notice(
            "shutting down: no new connections; in-flight commands have the grace period",
            metadata: [
                "waiting_commands": "\(self.dispatcher.pendingCount)", "grace_seconds": "\(self.gracePeriod.secondsText)",
            ])
        let clock = ContinuousClock()
        let deadline = clock.now + self.gracePeriod
        while self.dispatcher.pendingCount > 0, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if self.dispatcher.pendingCount > 0 {
            let closed = self.link.closeAllSessions(.shuttingDown)
            self.link.logger.notice(
                "grace period over: closed agent streams with commands still waiting", metadata: ["sessions": "\(closed)"])
        }
    }
}
