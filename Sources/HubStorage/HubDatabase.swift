import DaemonSupport
import Foundation
import GRDB
import HubCore

/// The hub's SQLite file: agent credentials, operator accounts, known agents, the command log,
/// bulk jobs and idempotency records. WAL mode, schema migrations in code, created on first open.
///
/// Opening checks the file's integrity and refuses (with a `StoreError`) a damaged, unreadable
/// or newer-schema file rather than touching it. Writes go through one `StoreWriter`; reads use
/// the pool's concurrent readers.
package final class HubDatabase: Sendable {
    package let path: String
    package let pool: DatabasePool

    private init(path: String, pool: DatabasePool) {
        self.path = path
        self.pool = pool
    }

    /// Opens (creating if needed) and migrates the database at `path`.
    package static func open(path: String) throws(StoreError) -> HubDatabase {
        HubDatabase(path: path, pool: try SQLiteFile.open(path: path, migrator: Self.migrator))
    }

    package static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agent_credential (
                        name TEXT PRIMARY KEY,
                        token_hash BLOB NOT NULL UNIQUE,
                        labels TEXT NOT NULL DEFAULT '{}',
                        created_at REAL NOT NULL,
                        revoked_at REAL,
                        last_used_at REAL
                    );
                    CREATE TABLE agent (
                        agent_id TEXT PRIMARY KEY,
                        name TEXT NOT NULL,
                        version TEXT NOT NULL,
                        exchange TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        capabilities TEXT NOT NULL,
                        credential TEXT,
                        status TEXT NOT NULL,
                        wallets_synced INTEGER NOT NULL DEFAULT 0,
                        sync_requests INTEGER NOT NULL DEFAULT 0,
                        last_sync REAL,
                        last_heartbeat REAL,
                        first_seen REAL NOT NULL,
                        last_seen REAL NOT NULL,
                        connected_at REAL,
                        connected INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE command (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        command_id TEXT NOT NULL UNIQUE,
                        agent_id TEXT NOT NULL,
                        action TEXT NOT NULL,
                        parameters TEXT NOT NULL,
                        requested_by TEXT NOT NULL,
                        job_id TEXT,
                        idempotency_key TEXT,
                        state TEXT NOT NULL,
                        timeout_ms INTEGER NOT NULL,
                        created_at REAL NOT NULL,
                        sent_at REAL,
                        finished_at REAL,
                        error_code TEXT,
                        message TEXT,
                        result TEXT,
                        reconciled_at REAL,
                        reconciled_result TEXT
                    );
                    CREATE INDEX command_by_agent ON command(agent_id, seq);
                    CREATE INDEX command_by_state ON command(state, seq);
                    CREATE INDEX command_by_action ON command(action, seq);
                    CREATE INDEX command_by_created ON command(created_at);
                    CREATE INDEX command_by_job ON command(job_id) WHERE job_id IS NOT NULL;
                    CREATE TABLE job (
                        job_id TEXT PRIMARY KEY,
                        action TEXT NOT NULL,
                        parameters TEXT NOT NULL,
                        selector TEXT,
                        requested_by TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        finished_at REAL,
                        targeted INTEGER NOT NULL DEFAULT 0,
                        succeeded INTEGER NOT NULL DEFAULT 0,
                        failed INTEGER NOT NULL DEFAULT 0,
                        timed_out INTEGER NOT NULL DEFAULT 0,
                        undeliverable INTEGER NOT NULL DEFAULT 0,
                        skipped INTEGER NOT NULL DEFAULT 0
                    );
                    CREATE TABLE idempotency (
                        caller TEXT NOT NULL,
                        key TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        state TEXT NOT NULL,
                        status INTEGER,
                        body BLOB,
                        created_at REAL NOT NULL,
                        finished_at REAL,
                        PRIMARY KEY (caller, key)
                    );
                    CREATE INDEX idempotency_by_created ON idempotency(created_at);
                    """)
        }
        migrator.registerMigration("v2-wallets") { db in
            try db.execute(
                sql: """
                    CREATE TABLE agent_wallet (
                        agent_id TEXT NOT NULL,
                        asset TEXT NOT NULL,
                        free TEXT NOT NULL,
                        locked TEXT NOT NULL,
                        synced_at REAL NOT NULL,
                        source TEXT NOT NULL,
                        PRIMARY KEY (agent_id, asset)
                    );
                    """)
        }
        migrator.registerMigration("v3-operators") { db in
            try db.execute(
                sql: """
                    CREATE TABLE operator (
                        name TEXT PRIMARY KEY,
                        role TEXT NOT NULL,
                        password_hash TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        last_login_at REAL
                    );
                    CREATE TABLE hub_secret (
                        name TEXT PRIMARY KEY,
                        value BLOB NOT NULL,
                        created_at REAL NOT NULL
                    );
                    """)
        }
        return migrator
    }

    /// The secret named `name`, created from `make()` and stored on first use; the same value
    /// on every later start (e.g. the key that signs operator tokens, so they survive a restart).
    package func secret(named name: String, make: @Sendable () -> [UInt8]) throws(StoreError) -> [UInt8] {
        do {
            return try self.pool.write { db in
                if let existing = try Data.fetchOne(db, sql: "SELECT value FROM hub_secret WHERE name = ?", arguments: [name]) {
                    return Array(existing)
                }
                let value = make()
                try db.execute(
                    sql: "INSERT INTO hub_secret (name, value, created_at) VALUES (?, ?, ?)",
                    arguments: [name, Data(value), Date().timeIntervalSince1970]
                )
                return value
            }
        } catch {
            throw .cannotOpen(path: self.path, reason: "cannot read or create the secret \(name): \(error)")
        }
    }

    /// Crash recovery, run once at start-up before anything else writes: every command that
    /// was not final is ended as `undeliverable` (the hub stopped before its answer), unfinished
    /// jobs are closed, idempotent requests in progress get a stored "outcome unknown" answer,
    /// and no agent is connected. Returns how many commands it ended.
    @discardableResult
    package func recoverAfterRestart(now: Date = Date()) throws -> Int {
        try self.pool.write { db in
            let time = now.timeIntervalSince1970
            try db.execute(
                sql: """
                    UPDATE command SET state = 'undeliverable', error_code = 'hub_restarted',
                        message = 'The hub stopped before this command finished; its outcome is reconciled with the agent when it reconnects',
                        finished_at = ?
                    WHERE state IN ('pending', 'sent')
                    """,
                arguments: [time]
            )
            let ended = db.changesCount
            try db.execute(sql: "UPDATE job SET finished_at = ? WHERE finished_at IS NULL", arguments: [time])
            try db.execute(
                sql: "UPDATE idempotency SET state = 'done', status = 503, body = ?, finished_at = ? WHERE state = 'in_progress'",
                arguments: [IdempotencyStore.outcomeUnknownBody, time]
            )
            try db.execute(sql: "UPDATE agent SET connected = 0 WHERE connected = 1")
            return ended
        }
    }
}
