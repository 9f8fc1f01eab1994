import CommandHub
import CryptoAgent
import Foundation
import HubCore
import HubPostgres
import HubStorage
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing
import TestSupport

extension HeavySuites {
    /// A hub on PostgreSQL whose database stops taking connections (its connections killed and
    /// new ones refused, as in an outage): the probe notices without a write, new commands get
    /// 503 `store_unavailable`, `/readyz` and `/metrics` say so; when the database is back the
    /// hub recovers by itself and every command it accepted is in the log.
    @Suite("PostgreSQL unreachable", .timeLimit(.minutes(2)))
    struct PostgresUnreachableTests {
        @Test func newCommandsAreRefusedWhileTheDatabaseIsAwayAndTheHubRecovers() async throws {
            try await StoreKind.postgres.configuring { configure in
                try await TestHub.with(configure: configure) { hub in
                    let agent = try TestAgents.make(TestAgents.configuration(name: "steady", port: hub.grpcPort))
                    let ping = "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/ping/"
                    let location = try PostgresLocation(url: try #require(hub.hub.configuration.storeURL))
                    try await TestAgents.with([agent], connectedTo: hub) {
                        #expect(try await hub.rest.post(ping).status == 200)
                        try await Self.allowConnections(false, to: location)

                        var accepted = 1
                        var refusal: RESTResponse?
                        for _ in 0..<5_000 where refusal == nil {
                            let response = try await hub.rest.post(ping)
                            if response.status == 200 { accepted += 1 } else { refusal = response }
                        }
                        let refused = try #require(refusal, "the unreachable database was noticed")
                        #expect(refused.status == 503, "\(refused)")
                        #expect(refused.json["error"].string == "store_unavailable")
                        let ready = try await hub.rest.get("/readyz")
                        #expect(ready.status == 503)
                        #expect(ready.json["checks"]["store"].string?.contains("PostgreSQL") == true, "\(ready)")
                        #expect(try await hub.rest.get("/metrics").text.contains("commandhub_store_up 0"))

                        try await Self.allowConnections(true, to: location)
                        await hub.hub.store.writer.waitUntilHealthy()
                        #expect(try await hub.rest.post(ping).status == 200, "recovered by itself")
                        #expect(try await hub.rest.get("/readyz").status == 200)
                        #expect(try await hub.rest.get("/metrics").text.contains("commandhub_store_up 1"))
                        // The stats count the whole log (a history page stops at 1,000).
                        let stats = try await hub.rest.get("/api/crypto/history/stats/")
                        let pings = (stats.json["by_action_and_state"].array ?? []).filter { $0["action"].string == "ping" }
                        let logged = pings.reduce(0) { $0 + ($1["count"].int ?? 0) }
                        #expect(logged == accepted + 1, "every accepted command is in the log: \(stats)")
                    }
                }
            }
        }

        /// Refuses (or allows again) connections to the database and, refusing, kills the open ones.
        static func allowConnections(_ allowed: Bool, to location: PostgresLocation) async throws {
            let server = try PostgresTestDatabase.serverLocation
            let logger = Logger(label: "test.postgres")
            try await PostgresTestDatabase.admin(server, logger: logger) { admin in
                try await admin.query(
                    PostgresQuery(unsafeSQL: "ALTER DATABASE \(location.database) ALLOW_CONNECTIONS \(allowed)"), logger: logger)
                if !allowed {
                    try await admin.query(
                        """
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = \(location.database) AND pid <> pg_backend_pid()
                        """, logger: logger)
                }
            }
        }
    }
}
