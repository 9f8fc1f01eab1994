import DaemonSupport
import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import ServiceLifecycle

/// The hub's store in PostgreSQL (`store.url = postgres://…`): the client's connection pool,
/// migrated at open, and the parts of the store built on it. The client must run for any query
/// to proceed: `start()` runs it from the moment the store is opened (start-up reads it before
/// the hub's services run), and `connection` — the first of the store's services, so the last
/// to stop — ends it at shutdown.
package final class PostgresStore: Sendable {
    package let location: PostgresLocation
    package let client: PostgresClient
    /// This hub's id: what its writes are marked with, what its crash recovery may end.
    package let hubID: String
    package let logger: Logger

    package init(location: PostgresLocation, hubID: String = "hub", logger: Logger) {
        self.location = location
        self.hubID = hubID
        self.logger = logger
        self.client = PostgresClient(configuration: location.configuration, backgroundLogger: logger)
    }

    /// Runs the client until `connection` ends it; returns that service.
    package func start() -> PostgresConnectionService {
        PostgresConnectionService(running: Task { await self.client.run() })
    }

    /// Brings the schema up to date; the client must be running.
    @discardableResult
    package func migrate() async throws(StoreError) -> Int {
        try await PostgresMigrator.migrate(self.client, location: self.location, logger: self.logger)
    }

    package var committer: PostgresCommitter { PostgresCommitter(client: self.client, hubID: self.hubID, logger: self.logger) }
    package var history: PostgresCommandHistory { PostgresCommandHistory(client: self.client, logger: self.logger) }
    package var credentials: PostgresCredentialStore { PostgresCredentialStore(client: self.client, logger: self.logger) }
    package var operators: PostgresOperatorStore { PostgresOperatorStore(client: self.client, logger: self.logger) }
    package var idempotency: PostgresIdempotencyStore {
        PostgresIdempotencyStore(client: self.client, hubID: self.hubID, logger: self.logger)
    }
}

/// Keeps the store's client running until graceful shutdown, then ends it.
package struct PostgresConnectionService: Service {
    package let running: Task<Void, Never>

    package func run() async throws {
        try? await gracefulShutdown()
        self.running.cancel()
        // The client returns once its connections are closed; bounded, so a connection whose
        // lease is never given back cannot hold the hub's shutdown up.
        let running = self.running
        _ = try? await withDeadline(.seconds(5), "closing its connections") { await running.value }
    }
}
