import CryptoAgent
import Foundation
import GRDB
import Testing
import TestSupport

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

/// The hub's database failing while it runs — full, or read-only — over REST with a real
/// agent: new commands are refused clearly (503 `store_unavailable`, nothing sent), reads keep
/// working, readiness says why, and the hub recovers by itself with nothing it accepted lost.
@Suite("Database faults while running", .timeLimit(.minutes(2)))
struct StoreFaultTests {
    enum Fault: CaseIterable {
        case full, readOnly

        /// Applies (or, with `on: false`, lifts) the fault on the hub's writer connection.
        func apply(to database: HubDatabase, on: Bool) async throws {
            try await database.pool.writeWithoutTransaction { db in
                switch self {
                case .full:
                    let pages = try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0
                    try db.execute(sql: "PRAGMA max_page_count = \(on ? pages : 1_073_741_823)")
                case .readOnly:
                    try db.execute(sql: "PRAGMA query_only = \(on ? 1 : 0)")
                }
            }
        }

        var message: String {
            switch self {
            case .full: "the disk is full"
            case .readOnly: "the database file is read-only"
            }
        }
    }

    @Test(arguments: Fault.allCases)
    func newCommandsAreRefusedReadsWorkAndTheHubRecovers(fault: Fault) async throws {
        try await TestHub.with { hub in
            let agent = try TestAgents.make(TestAgents.configuration(name: "steady", port: hub.grpcPort))
            let ping = "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/ping/"
            try await TestAgents.with([agent], connectedTo: hub) {
                #expect(try await hub.rest.post(ping).status == 200)
                try await fault.apply(to: try #require(hub.hub.store.sqlite), on: true)

                // Accepted commands are buffered; once a batch cannot be written, new ones are refused.
                var accepted = 1
                var refusal: RESTResponse?
                for _ in 0..<5_000 where refusal == nil {
                    let response = try await hub.rest.post(ping)
                    if response.status == 200 { accepted += 1 } else { refusal = response }
                }
                let refused = try #require(refusal, "the failing database was noticed")
                #expect(refused.status == 503, "\(refused)")
                #expect(refused.json["error"].string == "store_unavailable")
                #expect(refused.json["message"].string?.contains(fault.message) == true, "\(refused)")
                let handled = agent.state.snapshot.commandsHandled
                let again = try await hub.rest.post(ping)
                #expect(again.status == 503)
                #expect(agent.state.snapshot.commandsHandled == handled, "a refused command is never sent")

                #expect(try await hub.rest.get("/api/crypto/commands/").status == 200, "reads keep working")
                #expect(try await hub.rest.get("/api/crypto/history/?limit=5").status == 200)
                let ready = try await hub.rest.get("/readyz")
                #expect(ready.status == 503)
                #expect(ready.json["checks"]["store"].string == fault.message)

                try await fault.apply(to: try #require(hub.hub.store.sqlite), on: false)
                await hub.hub.store.writer.waitUntilHealthy()
                #expect(try await hub.rest.post(ping).status == 200, "recovered by itself")
                Measured.note("database \(fault): \(accepted) commands accepted, then 503 store_unavailable; recovered by itself")
                #expect(try await hub.rest.get("/readyz").status == 200)
                let history = try await hub.rest.get("/api/crypto/history/?action=ping&limit=1000")
                #expect(history.json["count"].int == accepted + 1, "every accepted command is in the log, none of the refused")
                #expect((history.json["items"].array ?? []).allSatisfy { $0["state"].string == "acknowledged" })
            }
        }
    }
}
