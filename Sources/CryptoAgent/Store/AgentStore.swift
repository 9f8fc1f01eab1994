import Foundation
import GRDB
import DaemonSupport
import SwiftProtobuf
import Wire

/// The agent's SQLite file (WAL, migrations in code, created on first run): its identity, what
/// it knows of its hub session, the acks of the commands it finished, the paper exchange's
/// wallets, orders and ledger, and the journal of orders sent to a real exchange.
public final class AgentStore: Sendable {
    public let path: String
    let pool: any DatabaseWriter

    private init(path: String, pool: any DatabaseWriter) {
        self.path = path
        self.pool = pool
    }

    /// Opens, checks and migrates the file at `path`; refuses a damaged or unwritable one.
    public static func open(path: String) throws(StoreError) -> AgentStore {
        AgentStore(path: path, pool: try SQLiteFile.open(path: path, migrator: Self.migrator))
    }

    /// A private in-memory store with the same schema (tests, throwaway agents).
    public static func inMemory() throws(StoreError) -> AgentStore {
        AgentStore(path: ":memory:", pool: try SQLiteFile.inMemory(migrator: Self.migrator))
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE identity (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        agent_id TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE TABLE link_state (
                        key TEXT PRIMARY KEY,
                        value TEXT NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE finished_command (
                        command_id TEXT PRIMARY KEY,
                        action TEXT NOT NULL,
                        ack BLOB NOT NULL,
                        finished_at REAL NOT NULL
                    );
                    CREATE INDEX finished_command_by_time ON finished_command(finished_at);
                    """)
        }
        migrator.registerMigration("v2-paper-exchange") { db in
            // Amounts are decimal text with 10 places, never floating point.
            try db.execute(
                sql: """
                    CREATE TABLE paper_wallet (
                        asset TEXT PRIMARY KEY,
                        free TEXT NOT NULL,
                        locked TEXT NOT NULL DEFAULT '0',
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE paper_order (
                        order_id TEXT PRIMARY KEY,
                        client_order_id TEXT NOT NULL UNIQUE,
                        asset TEXT NOT NULL,
                        quote_asset TEXT NOT NULL,
                        quantity TEXT NOT NULL,
                        price TEXT NOT NULL,
                        gross TEXT NOT NULL,
                        fee TEXT NOT NULL,
                        net TEXT NOT NULL,
                        status TEXT NOT NULL,
                        executed_at REAL NOT NULL
                    );
                    CREATE TABLE paper_transaction (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        order_id TEXT,
                        kind TEXT NOT NULL,
                        asset TEXT NOT NULL,
                        amount TEXT NOT NULL,
                        commission TEXT NOT NULL DEFAULT '0',
                        status TEXT NOT NULL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX paper_transaction_by_order ON paper_transaction(order_id);
                    CREATE TABLE paper_meta (
                        key TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3-exchange-orders") { db in
            // Orders sent to a real exchange, journaled before they leave (BinanceOrderJournal).
            try db.execute(
                sql: """
                    CREATE TABLE exchange_order (
                        client_order_id TEXT PRIMARY KEY,
                        symbol TEXT NOT NULL,
                        asset TEXT NOT NULL,
                        quantity TEXT NOT NULL,
                        timestamp_ms INTEGER NOT NULL,
                        recv_window_ms INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        reason_code TEXT,
                        reason TEXT,
                        fill TEXT,
                        updated_at REAL NOT NULL
                    );
                    """)
        }
        return migrator
    }

    /// The agent's stable id: the stored one, else `configured` (stored from now on), else a new
    /// one. A configured id that differs from the stored one wins and replaces it.
    public func identity(configured: UUID?, now: Date = Date()) throws(StoreError) -> UUID {
        do {
            return try self.pool.write { db in
                let stored = try String.fetchOne(db, sql: "SELECT agent_id FROM identity WHERE id = 1").flatMap(UUID.init(uuidString:))
                if let stored, configured == nil || configured == stored { return stored }
                let id = configured ?? UUID()
                try db.execute(
                    sql:
                        "INSERT INTO identity (id, agent_id, created_at) VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET agent_id = excluded.agent_id",
                    arguments: [id.uuidString.lowercased(), now.timeIntervalSince1970]
                )
                return id
            }
        } catch {
            throw .cannotOpen(path: self.path, reason: "cannot read or write the agent identity: \(error)")
        }
    }

    /// Remembers a fact about the link (`session_id`, `welcomed_at`, `last_heartbeat_at`).
    func setLinkState(_ key: String, _ value: String, now: Date = Date()) async throws {
        try await self.pool.write { db in
            try db.execute(
                sql:
                    "INSERT INTO link_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                arguments: [key, value, now.timeIntervalSince1970]
            )
        }
    }

    /// Everything remembered about the link.
    public func linkState() throws -> [String: String] {
        try self.pool.read { db in
            Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, value FROM link_state").map { ($0["key"], $0["value"]) })
        }
    }
}
