import DaemonSupport
import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import ServiceLifecycle

/// The hub's store in PostgreSQL (`store.url = postgres://…`): the client's connection pool,
/// migrated at open, and the parts of the store built on it. The client must run (it is a
/// `Service`: `services` lists it first, so it stops last) for any query to proceed.
package final class PostgresStore: Sendable {
    package let location: PostgresLocation
    package let client: PostgresClient
    package let logger: Logger

    package init(location: PostgresLocation, logger: Logger) {
        self.location = location
        self.logger = logger
        self.client = PostgresClient(configuration: location.configuration, backgroundLogger: logger)
    }

    /// Brings the schema up to date; the client must be running.
    @discardableResult
    package func migrate() async throws(StoreError) -> Int {
        try await PostgresMigrator.migrate(self.client, location: self.location, logger: self.logger)
    }

    package var committer: PostgresCommitter { PostgresCommitter(client: self.client, logger: self.logger) }
    package var history: PostgresCommandHistory { PostgresCommandHistory(client: self.client, logger: self.logger) }
    package var credentials: PostgresCredentialStore { PostgresCredentialStore(client: self.client, logger: self.logger) }
    package var operators: PostgresOperatorStore { PostgresOperatorStore(client: self.client, logger: self.logger) }
    package var idempotency: PostgresIdempotencyStore { PostgresIdempotencyStore(client: self.client, logger: self.logger) }
}
