import DaemonSupport
import Foundation
import Logging
import PostgresNIO

/// Brings a PostgreSQL database up to `PostgresSchema`: in one transaction that first takes a
/// transaction-scoped advisory lock, so hubs starting at once migrate one after the other (the
/// second finds the work done); `schema_version` lists what was applied. A database with a
/// version this build does not know is refused, as a newer SQLite file is.
package enum PostgresMigrator {
    /// The advisory lock's key: any constant the hub alone uses ("chub" in ASCII).
    static let lockKey: Int64 = 0x6368_7562

    /// Applies the migrations `client`'s database lacks; returns how many it applied.
    @discardableResult
    package static func migrate(_ client: PostgresClient, location: PostgresLocation, logger: Logger) async throws(StoreError) -> Int {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_version (
                        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)
                    """, logger: logger)
                var applied: Set<Int> = []
                for try await version in try await connection.query("SELECT version FROM schema_version", logger: logger)
                    .decode(Int.self)
                {
                    applied.insert(version)
                }
                let known = Set(PostgresSchema.migrations.map(\.version))
                if let newer = applied.subtracting(known).max() {
                    throw StoreError.newerSchema(path: location.description, migration: "\(newer)")
                }
                var count = 0
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        """
                        INSERT INTO schema_version (version, name, applied_at)
                        VALUES (\(migration.version), \(migration.name), \(Date().timeIntervalSince1970))
                        """, logger: logger)
                    count += 1
                }
                return count
            }
        } catch {
            if let error = PostgresErrors.cause(error) as? StoreError { throw error }
            throw .migrationFailed(path: location.description, reason: PostgresErrors.describe(error))
        }
    }
}
