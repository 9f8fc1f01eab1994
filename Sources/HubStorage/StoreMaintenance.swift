import DaemonSupport
import Foundation
import GRDB
import HubCore
import Logging
import ServiceLifecycle

/// Retention: prunes finished commands and jobs older than `commandRetention` and idempotency
/// records older than `idempotencyRetention`, at start-up and then hourly, in small chunks so
/// the writer is never held for long.
package struct StoreMaintenance: HistoryPruning {
    package let database: HubDatabase
    package let commandRetention: Duration
    package let idempotencyRetention: Duration
    package let logger: Logger

    package init(
        database: HubDatabase,
        commandRetention: Duration,
        idempotencyRetention: Duration,
        logger: Logger
    ) {
        self.database = database
        self.commandRetention = commandRetention
        self.idempotencyRetention = idempotencyRetention
        self.logger = logger
    }

    package func describe(_ error: any Error) -> String {
        StoreWriter.describe(error)
    }

    /// Deletes what is past retention; returns how many rows went.
    package func prune(now: Date) async throws -> Int {
        let commandsBefore = now.addingTimeInterval(-self.commandRetention.seconds).timeIntervalSince1970
        let keysBefore = now.addingTimeInterval(-self.idempotencyRetention.seconds).timeIntervalSince1970
        var total = 0
        while true {
            let deleted = try await self.database.pool.write { db in
                try db.execute(
                    sql: "DELETE FROM command WHERE seq IN (SELECT seq FROM command WHERE finished_at < ? LIMIT 5000)",
                    arguments: [commandsBefore]
                )
                return db.changesCount
            }
            total += deleted
            if deleted < 5000 { break }
        }
        total += try await self.database.pool.write { db in
            try db.execute(sql: "DELETE FROM job WHERE finished_at < ?", arguments: [commandsBefore])
            var changes = db.changesCount
            try db.execute(sql: "DELETE FROM idempotency WHERE created_at < ?", arguments: [keysBefore])
            changes += db.changesCount
            return changes
        }
        return total
    }
}
