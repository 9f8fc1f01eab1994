import HubCore
import HubStorage
import Logging
import PostgresNIO
import Wire

/// The `StoreWriter`'s batches in PostgreSQL: one transaction per batch, like the SQLite
/// writer's. A connection the server killed fails the batch; the writer keeps it and retries,
/// and the client's pool opens a new connection for the retry.
package struct PostgresCommitter: StoreCommitter {
    package let client: PostgresClient
    /// The hub whose writes these are (what its crash recovery may end).
    package let hubID: String
    /// Several hubs: every batch is checked against this hub's epoch and lease, in its own
    /// transaction (`FOR SHARE`, so a takeover waits for it or comes first). Nil: one hub.
    package let fence: ClusterFence?
    package let logger: Logger

    package init(client: PostgresClient, hubID: String, fence: ClusterFence? = nil, logger: Logger) {
        self.client = client
        self.hubID = hubID
        self.fence = fence
        self.logger = logger
    }

    package func commit(_ writes: [StoreWrite], states: [AgentSnapshot], final: Bool) async throws {
        let queries = writes.flatMap { PostgresWrites.queries(for: $0, hubID: self.hubID) } + states.map(PostgresWrites.state)
        if final {
            // The last batch is committed while the writer's task is being cancelled; a
            // task of its own is not, so the lease and the queries are not refused.
            try await Task { try await self.run(queries) }.value
        } else {
            try await self.run(queries)
        }
    }

    /// One transaction, with a deadline: a batch whose commit is unknown (the deadline passed,
    /// the connection died) is retried, which the inserts' `ON CONFLICT DO NOTHING` and the
    /// updates' guards make harmless.
    private func run(_ queries: [PostgresQuery]) async throws {
        let check = try self.fenceCheck()
        do {
            try await withDeadline(.seconds(10), "a batch") {
                try await self.client.withTransaction(logger: self.logger) { connection in
                    if let check, try await !connection.query(check, logger: self.logger).hasRows() {
                        throw StoreBatchRejected(reason: "this hub's cluster lease is no longer current; its writes are refused")
                    }
                    for query in queries { try await connection.query(query, logger: self.logger) }
                }
            }
        } catch {
            if let rejected = PostgresErrors.cause(error) as? StoreBatchRejected { throw rejected }
            throw error
        }
    }

    /// The query a batch must find a row with, when this hub is one of several.
    private func fenceCheck() throws -> PostgresQuery? {
        guard let fence = self.fence else { return nil }
        guard let epoch = fence.epoch else {
            throw StoreBatchRejected(reason: "this hub is fenced (its cluster lease was lost); its writes are refused")
        }
        return """
            SELECT 1 FROM hub WHERE hub_id = \(self.hubID) AND epoch = \(epoch) AND lease_until > \(unescaped: PostgresCluster.now)
            FOR SHARE
            """
    }

    package func ping() async throws {
        try await withDeadline(.seconds(2), "SELECT 1") {
            _ = try await self.client.query("SELECT 1", logger: self.logger)
        }
    }

    package func describe(_ error: any Error) -> String {
        PostgresErrors.describe(error)
    }
}
