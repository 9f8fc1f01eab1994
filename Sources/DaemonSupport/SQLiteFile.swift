import Foundation
import GRDB

/// Opening, checking and migrating an SQLite file the same careful way for the hub and the
/// agent: WAL mode, `synchronous = NORMAL` (a commit survives a killed process; only a power
/// loss can take the last ones), a busy timeout for a CLI writing while the daemon runs, and
/// typed errors that name the file instead of crashing, recreating or "repairing" it.
public enum SQLiteFile {
    /// Opens (creating if needed) the file at `path`, checks its integrity and migrates it.
    public static func open(path: String, migrator: DatabaseMigrator, busyTimeout: TimeInterval = 5) throws(StoreError) -> DatabasePool {
        let pool = try Self.openPool(path: path, busyTimeout: busyTimeout)
        try Self.checkIntegrity(pool, path: path)
        try Self.migrate(pool, path: path, migrator: migrator)
        return pool
    }

    /// A private in-memory database with the same schema: for tests and throwaway agents.
    public static func inMemory(migrator: DatabaseMigrator) throws(StoreError) -> DatabaseQueue {
        do {
            let queue = try DatabaseQueue()
            try migrator.migrate(queue)
            return queue
        } catch {
            throw .migrationFailed(path: ":memory:", reason: "\(error)")
        }
    }

    static func openPool(path: String, busyTimeout: TimeInterval) throws(StoreError) -> DatabasePool {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotOpen(path: path, reason: "the directory \(directory) does not exist")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        do {
            return try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .cannotOpen(path: path, reason: "\(error)")
        }
    }

    /// `PRAGMA quick_check`: catches a damaged file at start-up rather than mid-flight.
    public static func checkIntegrity(_ pool: DatabasePool, path: String) throws(StoreError) {
        do {
            let result = try pool.read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
            guard result == ["ok"] else {
                throw StoreError.corrupt(path: path, reason: result.prefix(3).joined(separator: "; "))
            }
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path)
        } catch {
            throw .corrupt(path: path, reason: "\(error)")
        }
    }

    static func migrate(_ pool: DatabasePool, path: String, migrator: DatabaseMigrator) throws(StoreError) {
        do {
            let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
            let known = Set(migrator.migrations)
            if let unknown = applied.first(where: { !known.contains($0) }) {
                throw StoreError.newerSchema(path: path, migration: unknown)
            }
            try migrator.migrate(pool)
        } catch let error as StoreError {
            throw error
        } catch let error as DatabaseError {
            throw Self.classify(error, path: path, migrating: true)
        } catch {
            throw .migrationFailed(path: path, reason: "\(error)")
        }
    }

    public static func classify(_ error: DatabaseError, path: String, migrating: Bool = false) -> StoreError {
        let reason = error.message ?? "\(error.resultCode)"
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .corrupt(path: path, reason: reason)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH: return .cannotOpen(path: path, reason: reason)
        default: return migrating ? .migrationFailed(path: path, reason: reason) : .cannotOpen(path: path, reason: reason)
        }
    }
}
