import Foundation
import GRDB
import HubPostgres
import PostgresTestSupport
import Logging
import PostgresNIO
import TestSupport
import Testing
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

/// A hub store with its writer running for the body's duration: a SQLite file in a temporary
/// directory, or a fresh PostgreSQL database (`PostgresTestDatabase`).
struct StoreFixture {
    let kind: StoreKind
    let sqlite: HubDatabase?
    let postgres: PostgresStore?
    let writer: StoreWriter
    let log: CommandLog
    let history: any CommandHistoryReading
    let credentials: any AgentCredentials
    let operators: any OperatorAccounts
    let idempotency: any IdempotencyRecords

    /// The SQLite file, for the tests of the file itself.
    var database: HubDatabase {
        get throws { try #require(self.sqlite, "a SQLite store") }
    }

    static func with(_ body: (StoreFixture) async throws -> Void) async throws {
        try await Self.with(.sqlite, body)
    }

    static func with(_ kind: StoreKind, _ body: (StoreFixture) async throws -> Void) async throws {
        let logger = Logger(label: "test")
        switch kind {
        case .sqlite:
            try await TemporaryDirectory.with { directory in
                let database = try HubDatabase.open(path: directory.path("hub.sqlite"))
                let writer = StoreWriter(database: database, logger: logger)
                try await Self.running(
                    StoreFixture(
                        kind: kind, sqlite: database, postgres: nil, writer: writer, log: CommandLog(writer: writer),
                        history: CommandHistory(database: database), credentials: CredentialStore(database: database),
                        operators: OperatorStore(database: database), idempotency: IdempotencyStore(database: database)),
                    body)
            }
        case .postgres:
            try await PostgresTestDatabase.with { store in
                let writer = StoreWriter(committer: store.committer, logger: logger)
                try await Self.running(
                    StoreFixture(
                        kind: kind, sqlite: nil, postgres: store, writer: writer, log: CommandLog(writer: writer),
                        history: store.history, credentials: store.credentials, operators: store.operators,
                        idempotency: store.idempotency),
                    body)
            }
        }
    }

    private static func running(_ fixture: StoreFixture, _ body: (StoreFixture) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await fixture.writer.run() }
            defer { group.cancelAll() }
            try await body(fixture)
        }
    }

    /// The stored `sync_requests` of an agent, read from the store itself.
    func storedSyncRequests(of agentID: UUID) async throws -> Int? {
        if let postgres {
            let rows = try await postgres.client.query(
                "SELECT sync_requests FROM agent WHERE agent_id = \(agentID.lowercased)", logger: postgres.logger)
            for try await count in rows.decode(Int64.self) { return Int(count) }
            return nil
        }
        return try await self.database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT sync_requests FROM agent WHERE agent_id = ?", arguments: [agentID.lowercased])
        }
    }

    /// A command record for `agentID` created `at`.
    static func record(agent agentID: UUID, action: String = "ping", at date: Date = Date(), job: UUID? = nil) -> CommandRecord {
        CommandRecord(
            commandID: UUID(), agentID: agentID, action: action, parameters: "{}", requestedBy: "tester", jobID: job,
            idempotencyKey: nil, timeout: .seconds(5), createdAt: date
        )
    }

    /// Makes the database "full": no page can be added until `limit(pages: nil)`.
    func limit(pages: Int?) async throws {
        try await self.database.pool.writeWithoutTransaction { db in
            let current = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            try db.execute(sql: "PRAGMA max_page_count = \(pages.map { current + $0 } ?? 1_073_741_823)")
        }
    }
}
