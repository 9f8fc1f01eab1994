import GRPCCore
import GRPCNIOTransportHTTP2
import Logging
import ServiceLifecycle

/// The gRPC listener for agents as a lifecycle `Service`.
///
/// Graceful shutdown runs in this order, because grpc-swift cancels every in-flight RPC once
/// the transport quiesces: first every agent session is closed with `UNAVAILABLE` "The hub is
/// shutting down" (their waiting commands fail as undeliverable), then — once each handler has
/// returned and its status is on the wire, or after `drainTimeout` — the server stops.
struct AgentLinkServer: Service {
    let server: GRPCServer<HTTP2ServerTransport.Posix>
    let link: AgentLinkService
    let drainTimeout: Duration
    let logger: Logger

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.server.serve() }
            group.addTask {
                // Returns when graceful shutdown begins; throws if cancelled first.
                try await gracefulShutdown()
                let closed = self.link.closeAllSessions(.shuttingDown)
                self.logger.info("closing agent streams", metadata: ["sessions": "\(closed)"])
                await withTaskGroup(of: Void.self) { drain in
                    drain.addTask { await self.link.sessions.waitUntilEmpty() }
                    drain.addTask { try? await Task.sleep(for: self.drainTimeout) }
                    await drain.next()
                    drain.cancelAll()
                }
                self.server.beginGracefulShutdown()
            }
            defer { group.cancelAll() }
            // The server returning (shut down, or failed) ends this service.
            try await group.next()
        }
    }
}
