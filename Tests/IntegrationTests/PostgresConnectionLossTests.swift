import Foundation
import HubCore
import HubPostgres
import HubStorage
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing

extension HeavySuites {
    /// PostgreSQL kills the hub's connections (`pg_terminate_backend`, as a failover or an
    /// operator would): the batch in flight fails and is kept, the writer reconnects through its
    /// pool and commits it, the next command works, and nothing accepted is lost.
    @Suite("PostgreSQL connections killed", .timeLimit(.minutes(2)))
    struct PostgresConnectionLossTests {
        @Test func theWriterRecoversAndLosesNothingWhenItsConnectionsAreKilled() async throws {
            try await PostgresTestDatabase.with { store in
                let writer = StoreWriter(committer: store.committer, logger: Logger(label: "test"))
                let log = CommandLog(writer: writer)
                let history = store.history
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { await writer.run() }
                    defer { group.cancelAll() }
                    let agentID = UUID()
                    for _ in 0..<20 { try await log.commandCreated(Self.record(agentID), durable: false) }
                    try await writer.flush()

                    let killed = try await Self.terminateConnections(to: store)
                    #expect(killed > 0, "the hub's connections were open and were killed")

                    // Accepted while the store still looks healthy: it must land whatever happens next.
                    for _ in 0..<20 { try await log.commandCreated(Self.record(agentID), durable: false) }
                    while (try? await writer.flush()) == nil { await writer.waitUntilHealthy() }
                    #expect(writer.isHealthy)

                    let next = Self.record(agentID, action: "sell")
                    try await log.commandCreated(next, durable: true)
                    #expect(try await history.command(next.commandID)?.state == "pending", "the next command works")
                    #expect(try await history.countsByState()["pending"] == 41, "nothing accepted was lost")
                }
            }
        }

        static func record(_ agentID: UUID, action: String = "pause") -> CommandRecord {
            CommandRecord(
                commandID: UUID(), agentID: agentID, action: action, parameters: "{}", requestedBy: "tester", jobID: nil,
                idempotencyKey: nil, timeout: .seconds(5), createdAt: Date())
        }

        /// Kills every connection to the store's database but the killer's own; returns how many.
        static func terminateConnections(to store: PostgresStore) async throws -> Int {
            let server = try PostgresTestDatabase.serverLocation
            let killed = Counter()
            try await PostgresTestDatabase.admin(server, logger: store.logger) { admin in
                let rows = try await admin.query(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE datname = \(store.location.database) AND pid <> pg_backend_pid()
                    """, logger: store.logger)
                for try await terminated in rows.decode(Bool.self) where terminated { _ = killed.increment() }
            }
            return killed.increment() - 1
        }
    }
}
