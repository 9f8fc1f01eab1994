import HubCore
import Logging
import PostgresNIO

/// Runs a query or a transaction on the store's client, within 10 s; every failure becomes
/// `storeUnavailable` with the server's reason, a `HubError` thrown by the body stays itself.
struct PostgresAccess: Sendable {
    let client: PostgresClient
    let logger: Logger

    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresClient, Logger) async throws -> T) async throws(HubError) -> T {
        let client = self.client
        let logger = self.logger
        do {
            return try await withDeadline(.seconds(10), "a request") { try await body(client, logger) }
        } catch {
            if let error = PostgresErrors.cause(error) as? HubError { throw error }
            throw .storeUnavailable(PostgresErrors.describe(error))
        }
    }

    func transaction<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T
    ) async throws(HubError) -> T {
        try await self.run { client, logger in
            try await client.withTransaction(logger: logger) { connection in try await body(connection, logger) }
        }
    }
}

extension PostgresRowSequence {
    /// Whether the query returned at least one row. Reads them all: the connection goes back
    /// to the pool only once its rows are consumed.
    func hasRows() async throws -> Bool {
        var found = false
        for try await _ in self { found = true }
        return found
    }
}
