import DaemonSupport
import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import ServiceLifecycle

/// Retention in PostgreSQL, as `StoreMaintenance` does it in SQLite: finished commands and jobs
/// past `commandRetention`, idempotency records past `idempotencyRetention`, at start-up and
/// then hourly, in chunks. Several hubs may prune at once: the deletes do not conflict.
package struct PostgresMaintenance: HistoryPruning {
    package let client: PostgresClient
    package let commandRetention: Duration
    package let idempotencyRetention: Duration
    package let logger: Logger

    package init(client: PostgresClient, commandRetention: Duration, idempotencyRetention: Duration, logger: Logger) {
        self.client = client
        self.commandRetention = commandRetention
        self.idempotencyRetention = idempotencyRetention
        self.logger = logger
    }

    package func describe(_ error: any Error) -> String {
        PostgresErrors.describe(error)
    }

    /// Deletes what is past retention; returns how many rows went.
    package func prune(now: Date) async throws -> Int {
        let commandsBefore = now.addingTimeInterval(-self.commandRetention.seconds).timeIntervalSince1970
        let keysBefore = now.addingTimeInterval(-self.idempotencyRetention.seconds).timeIntervalSince1970
        var total = 0
        while true {
            let deleted = try await self.count(
                """
                DELETE FROM command WHERE seq IN (SELECT seq FROM command WHERE finished_at < \(commandsBefore) LIMIT 5000)
                RETURNING seq
                """)
            total += deleted
            if deleted < 5000 { break }
        }
        total += try await self.count("DELETE FROM job WHERE finished_at < \(commandsBefore) RETURNING job_id")
        total += try await self.count("DELETE FROM idempotency WHERE created_at < \(keysBefore) RETURNING key")
        return total
    }

    private func count(_ query: PostgresQuery) async throws -> Int {
        var count = 0
        for try await _ in try await self.client.query(query, logger: self.logger) { count += 1 }
        return count
    }
}
