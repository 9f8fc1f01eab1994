import Foundation
import GRDB
import Logging
import TestSupport
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

/// A hub database in a temporary directory with its writer running for the body's duration.
struct StoreFixture {
    let database: HubDatabase
    let writer: StoreWriter
    let log: CommandLog
    let history: CommandHistory

    static func with(_ body: (StoreFixture) async throws -> Void) async throws {
        try await TemporaryDirectory.with { directory in
            let database = try HubDatabase.open(path: directory.path("hub.sqlite"))
            let writer = StoreWriter(database: database, logger: Logger(label: "test"))
            let fixture = StoreFixture(
                database: database, writer: writer, log: CommandLog(writer: writer), history: CommandHistory(database: database))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await writer.run() }
                defer { group.cancelAll() }
                try await body(fixture)
            }
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
