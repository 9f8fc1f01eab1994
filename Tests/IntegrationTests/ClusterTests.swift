import CryptoAgent
import Foundation
import HubPostgres
import PostgresNIO
import PostgresTestSupport
import Testing
import TestSupport

extension HeavySuites {
    /// Several `commandhub serve` processes on one PostgreSQL database, agents of the real
    /// library connected to one hub or another, all on loopback: any hub reaches any agent, a
    /// bulk action spans every hub, an `Idempotency-Key` holds across hubs, a killed hub's sell
    /// ends in a final state and executes once, a hub stopped past its lease is fenced.
    @Suite("Several hubs on PostgreSQL", .timeLimit(.minutes(3)))
    struct ClusterTests {
        static func path(_ agent: Agent, _ action: String) -> String {
            "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/\(action)/"
        }

        static func btc(_ agent: Agent) async throws -> Decimal? {
            try await agent.exchange.balances(symbols: ["BTC"]).first?.free
        }

        @Test func threeHubsReachEveryAgentWhereverItIsConnected() async throws {
            try await ClusterHubs.with(count: 3) { cluster in
                let hubs = cluster.hubs
                let agents = try hubs.enumerated().map { index, hub in
                    try TestAgents.make(TestAgents.configuration(name: "agent-\(index + 1)", port: hub.grpcPort))
                }
                try await ClusterHubs.run(agents) {
                    for (index, agent) in agents.enumerated() { try await cluster.waitForOwner(of: agent.agentID, is: cluster.id(index)) }

                    // A command for an agent connected to another hub.
                    let ping = try await hubs[1].rest.post(Self.path(agents[0], "ping"))
                    #expect(ping.status == 200, "\(ping)")
                    #expect(ping.json["client_id"].string == agents[0].agentID.uuidString.lowercased())
                    #expect(ping.json["command_result"]["success"].bool == true)
                    let status = try await hubs[2].rest.post(Self.path(agents[1], "request_status"))
                    #expect(status.status == 200, "\(status)")

                    // A sell through another hub, its Idempotency-Key replayed on a third.
                    let body = SellTests.body("0.25", preview: false)
                    let sell = try await hubs[1].rest.post(
                        Self.path(agents[0], "sell"), body: body, headers: [("Idempotency-Key", "cluster-sell-1")])
                    #expect(sell.status == 200, "\(sell)")
                    let replay = try await hubs[2].rest.post(
                        Self.path(agents[0], "sell"), body: body, headers: [("Idempotency-Key", "cluster-sell-1")])
                    #expect(replay.status == 200, "\(replay)")
                    #expect(replay.header("Idempotent-Replayed") == "true")
                    #expect(replay.json["command_id"].string == sell.json["command_id"].string)
                    #expect(
                        replay.json["command_result"]["sell"]["order_id"].string == sell.json["command_result"]["sell"]["order_id"].string)
                    #expect(try await Self.btc(agents[0]) == Decimal(string: "1.25"), "sold once: 1.5 - 0.25")
                    let other = try await hubs[0].rest.post(
                        Self.path(agents[0], "sell"), body: SellTests.body("0.5", preview: false),
                        headers: [("Idempotency-Key", "cluster-sell-1")])
                    #expect(other.status == 422, "the key names another request on every hub: \(other)")

                    // A bulk action across the three hubs, with exact per-agent results.
                    let bulk = try await hubs[2].rest.post("/api/crypto/commands/pause_all/")
                    #expect(bulk.status == 200, "\(bulk)")
                    #expect(bulk.json["targeted"].int == 3)
                    #expect(bulk.json["succeeded"].int == 3)
                    #expect(bulk.json["failed"].int == 0)
                    let results = bulk.json["results"].array ?? []
                    #expect(
                        results.compactMap { $0["client_id"].string }.sorted() == agents.map { $0.agentID.uuidString.lowercased() }.sorted()
                    )
                    #expect(results.allSatisfy { $0["success"].bool == true && $0["state"].string == "acknowledged" })
                    let jobID = try #require(bulk.json["job_id"].string)
                    // Read where the job was started: each part was in the log before it answered.
                    let job = try await hubs[2].rest.get("/api/crypto/jobs/\(jobID)/")
                    #expect(job.json["succeeded"].int == 3, "\(job)")
                    #expect((job.json["commands"].array ?? []).count == 3, "every hub logged its part under the one job: \(job)")

                    // Named ids: each served where it is connected, an unknown one reported.
                    let unknown = UUID().uuidString.lowercased()
                    let ids = [agents[2].agentID.uuidString.lowercased(), unknown].joined(separator: ",")
                    let named = try await hubs[0].rest.post("/api/crypto/commands/resume_all/?client_ids=\(ids)")
                    #expect(named.status == 200, "\(named)")
                    #expect(named.json["targeted"].int == 2)
                    #expect(named.json["succeeded"].int == 1)
                    #expect(named.json["undeliverable"].int == 1)
                }
            }
        }

        /// The hub holding an agent is killed -9 while the agent executes a sell (a slow paper
        /// exchange): the agent re-homes to the other hub, the dead hub's lease expires, the sell
        /// ends in a final state and is reconciled through `lookup_only` — executed exactly once.
        @Test func aHubKilledMidSellLosesNothingAndTheSellExecutesOnce() async throws {
            try await ClusterHubs.with(count: 2) { cluster in
                let hubs = cluster.hubs
                var configuration = TestAgents.configuration(name: "seller", port: hubs[0].grpcPort)
                configuration.hubAddresses = hubs.map { "127.0.0.1:\($0.grpcPort)" }
                configuration.paper.latency = .milliseconds(1500)
                let agent = try TestAgents.make(configuration)
                try await ClusterHubs.run([agent]) {
                    let home = try await cluster.waitForOwner(of: agent.agentID)
                    let (dead, alive) = home == "h1" ? (hubs[0], hubs[1]) : (hubs[1], hubs[0])
                    let aliveID = home == "h1" ? "h2" : "h1"
                    // Through the surviving hub: the call is forwarded to the one that dies.
                    async let sell = alive.rest.post(
                        Self.path(agent, "sell") + "?timeout=30", body: SellTests.body("0.25", preview: false),
                        headers: [("Idempotency-Key", "killed-mid-sell")])
                    try await cluster.waitUntil("the sell is on the agent's stream") {
                        try await cluster.scalar("SELECT state FROM command WHERE action = 'sell'", as: String.self) == "sent"
                    }
                    dead.child.signal(SIGKILL)
                    let answer = try await sell
                    #expect(answer.status == 502, "the owner died after the call reached it: \(answer)")
                    #expect(answer.json["error"].string == "hub_lost")

                    try await cluster.waitForOwner(of: agent.agentID, is: aliveID)
                    try await alive.child.waitForLine(containing: "took over the work of a hub whose lease expired")
                    try await alive.child.waitForLine(containing: "reconciled commands with agent")
                    let history = try await alive.rest.get("/api/crypto/history/?action=sell")
                    let entry = try #require(history.json["items"].array?.first, "\(history)")
                    #expect(entry["state"].string == "undeliverable", "\(entry)")
                    #expect(entry["error_code"].string == "hub_lost", "\(entry)")
                    let commandID = try #require(entry["command_id"].string)
                    #expect(try await alive.rest.get("/api/crypto/history/\(commandID)/").status == 200)
                    let balance = try await Self.btc(agent)
                    #expect(balance == Decimal(string: "1.25"), "executed exactly once: BTC \(String(describing: balance))")
                    let replay = try await alive.rest.post(
                        Self.path(agent, "sell") + "?timeout=30", body: SellTests.body("0.25", preview: false),
                        headers: [("Idempotency-Key", "killed-mid-sell")])
                    #expect(replay.status == 503, "the key's answer: outcome unknown, never a second sell: \(replay)")
                    #expect(try await Self.btc(agent) == Decimal(string: "1.25"))
                    let ping = try await alive.rest.post(Self.path(agent, "ping"))
                    #expect(ping.status == 200, "re-homed: \(ping)")
                }
            }
        }

        /// A hub frozen (SIGSTOP) past its lease: its agent comes back through the other hub
        /// (here: the agent restarted with only that hub, as an agent does once it gives up on a
        /// silent one), the other hub takes over; when the frozen hub continues (SIGCONT) its
        /// lease is gone, its late writes are refused by the epoch check and the agent stays
        /// with the new hub.
        @Test(
            .disabled(
                "Passes alone; run after the other cluster tests it waits past the suite's time limit for a line of the resumed hub — open in issue 15"
            ))
        func aHubStoppedPastItsLeaseIsFencedAndItsLateWritesAreRefused() async throws {
            try await ClusterHubs.with(count: 2) { cluster in
                let hubs = cluster.hubs
                let first = try TestAgents.make(TestAgents.configuration(name: "fenced", port: hubs[0].grpcPort))
                let running = Task { try await first.run() }
                try await cluster.waitForOwner(of: first.agentID, is: "h1")
                hubs[0].child.signal(SIGSTOP)
                running.cancel()
                var configuration = TestAgents.configuration(name: "fenced", port: hubs[1].grpcPort)
                configuration.agentID = first.agentID
                let agent = try TestAgents.make(configuration)
                try await ClusterHubs.run([agent]) {
                    try await cluster.waitForOwner(of: agent.agentID, is: "h2")
                    let epochBefore = try await cluster.scalar("SELECT epoch FROM hub WHERE hub_id = 'h1'", as: Int64.self)
                    try await hubs[1].child.waitForLine(containing: "took over the work of a hub whose lease expired")
                    let epochAfter = try await cluster.scalar("SELECT epoch FROM hub WHERE hub_id = 'h1'", as: Int64.self)
                    #expect(epochAfter == epochBefore.map { $0 + 1 }, "the takeover fenced the frozen hub's epoch")

                    hubs[0].child.signal(SIGCONT)
                    try await hubs[0].child.waitForLine(containing: "cluster lease was lost")
                    try await hubs[0].child.waitForLine(containing: "database writes refused")
                    try await hubs[0].child.waitForLine(containing: "joined the cluster again")
                    #expect(try await cluster.owner(of: agent.agentID) == "h2", "ownership stays with the new hub")
                    let connected = try await cluster.scalar(
                        "SELECT hub_id FROM agent WHERE agent_id = \(agent.agentID.uuidString.lowercased()) AND connected", as: String.self)
                    #expect(connected == "h2", "the frozen hub's stale disconnect was not written")
                    try await cluster.waitUntil("the resumed hub serving the cluster again") {
                        try await cluster.scalar("SELECT rest_url FROM hub WHERE hub_id = 'h1' AND lease_until > 0", as: String.self) != nil
                    }
                    let ping = try await hubs[0].rest.post(Self.path(agent, "ping"))
                    #expect(ping.status == 200, "the resumed hub forwards to the new owner: \(ping)")
                }
            }
        }

        /// Every connection of every hub killed by the server (`pg_terminate_backend`): the
        /// hubs reconnect by themselves and serve across hubs again; nothing written is lost.
        @Test func hubsRecoverFromTheirConnectionsBeingKilled() async throws {
            try await ClusterHubs.with(count: 2) { cluster in
                let hubs = cluster.hubs
                let agent = try TestAgents.make(TestAgents.configuration(name: "steady", port: hubs[0].grpcPort))
                try await ClusterHubs.run([agent]) {
                    try await cluster.waitForOwner(of: agent.agentID, is: "h1")
                    #expect(try await hubs[1].rest.post(Self.path(agent, "ping")).status == 200)
                    let database = cluster.store.location.database
                    let killed = try await cluster.scalar(
                        """
                        SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
                        WHERE datname = \(database) AND pid <> pg_backend_pid()
                        """, as: Int64.self)
                    #expect((killed ?? 0) >= 2, "both hubs had connections")
                    // Recovered by themselves: a cross-hub ping answers again, then ten in a row.
                    var answered = 0
                    try await cluster.waitUntil("a cross-hub ping answered after the connections were killed") {
                        let ok = try await hubs[1].rest.post(Self.path(agent, "ping")).status == 200
                        if ok { answered += 1 }
                        return ok
                    }
                    for _ in 0..<10 {
                        let ping = try await hubs[1].rest.post(Self.path(agent, "ping"))
                        #expect(ping.status == 200, "\(ping)")
                        if ping.status == 200 { answered += 1 }
                    }
                    // Read on the hub that ran them: its read commits what it buffered first.
                    let stats = try await hubs[0].rest.get("/api/crypto/history/stats/")
                    let pings = (stats.json["by_action_and_state"].array ?? []).filter { $0["action"].string == "ping" }
                    #expect(pings.reduce(0) { $0 + ($1["count"].int ?? 0) } == 1 + answered, "every answered ping is in the log: \(stats)")
                }
            }
        }
    }
}
