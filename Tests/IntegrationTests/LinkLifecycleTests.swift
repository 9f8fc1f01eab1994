import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import GRPCCore
import ServiceLifecycle
import Testing
import TestSupport
import Wire

/// How sessions start, end and come back, over real loopback HTTP/2.
@Suite("Agent link lifecycle", .timeLimit(.minutes(2)))
struct LinkLifecycleTests {
    /// Concurrency is asserted on the order of events the hub itself recorded, not on elapsed
    /// time: every command of the job was on its agent's stream before the first one timed out.
    /// One after another, the second silent agent's command would only be sent once the first
    /// one's 3 s deadline had passed.
    @Test func bulkReportsEachAgentAndSendsEveryCommandBeforeTheFirstTimesOut() async throws {
        try await TestHub.with { hub in
            let answering = try (1...2).map { try TestAgents.make(TestAgents.configuration(name: "ok-\($0)", port: hub.grpcPort)) }
            let silent = (1...4).map { _ in RawAgent(port: hub.grpcPort) }
            let dropping = RawAgent(port: hub.grpcPort)
            for agent in silent + [dropping] { agent.sendHello(name: agent === dropping ? "dropping" : "silent") }
            // The dropping agent dies as soon as it receives its command.
            let dropper = Task {
                var messages = HubMessages(dropping)
                _ = try await messages.nextCommand()
                dropping.kill()
            }
            defer { dropper.cancel() }
            for agent in silent + [dropping] { try await hub.waitForConnected(agent.agentID) }

            try await TestAgents.with(answering, connectedTo: hub) {
                let response = try await hub.rest.post("/api/crypto/commands/pause_all/?timeout=3")
                #expect(response.status == 200, "\(response)")
                let body = response.json
                #expect(body["total"].int == 7)
                #expect(body["succeeded"].int == 2)
                #expect(body["timed_out"].int == 4)
                #expect(body["undeliverable"].int == 1)
                var states: [String: String] = [:]
                for item in body["results"].array ?? [] {
                    states[item["client_id"].string ?? "?"] = item["state"].string
                }
                for agent in answering { #expect(states[agent.agentID.uuidString.lowercased()] == "acknowledged") }
                for agent in silent { #expect(states[agent.agentID.uuidString.lowercased()] == "timed_out") }
                #expect(states[dropping.agentID.uuidString.lowercased()] == "undeliverable")
                let timedOut = (body["results"].array ?? []).first { $0["state"].string == "timed_out" }
                #expect(timedOut?["error"].string == "command_timeout")

                // Timestamps are ISO 8601 UTC with milliseconds: their text sorts as time does.
                let job = try await hub.rest.get("/api/crypto/jobs/\(body["job_id"].string ?? "?")/")
                let commands = job.json["commands"].array ?? []
                #expect(commands.count == 7)
                let sent = commands.compactMap { $0["sent_at"].string }
                let firstTimeout = try #require(
                    commands.filter { $0["state"].string == "timed_out" }.compactMap { $0["finished_at"].string }.min())
                #expect(sent.count == 7, "every command reached its agent's stream: \(commands)")
                #expect(sent.allSatisfy { $0 <= firstTimeout }, "all sent before the first timeout at \(firstTimeout): \(sent.sorted())")
            }
        }
    }

    /// The Hello counts as the first heartbeat and the agent syncs its wallets as soon as it is
    /// welcomed: its periodic sync here is an hour away, so only the sync on connect can fill them.
    @Test func anAgentShowsAHeartbeatAndItsWalletsFromTheMomentItConnects() async throws {
        try await TestHub.with { hub in
            let agent = try TestAgents.make(TestAgents.configuration(name: "fresh", port: hub.grpcPort))
            try await TestAgents.with([agent], connectedTo: hub) {
                try await hub.registryEvents.wait { event in
                    if case .updated(let snapshot) = event { return snapshot.agentID == agent.agentID && snapshot.walletsSynced > 0 }
                    return false
                }
                let detail = try await hub.rest.get("/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/")
                #expect(detail.json["last_heartbeat"].string != nil, "\(detail)")
                #expect(detail.json["last_sync"].string != nil, "\(detail)")
                let wallets = try await hub.rest.get("/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/wallets/")
                let count = wallets.json["wallets"].array?.count ?? 0
                #expect(count > 0, "\(wallets)")
                #expect(detail.json["wallets_synced"].int == count)
            }
        }
    }

    @Test func killingAnAgentMidCommandGives503Promptly() async throws {
        try await TestHub.with { hub in
            let agent = RawAgent(port: hub.grpcPort)
            agent.sendHello()
            try await hub.waitForConnected(agent.agentID)
            let killer = Task {
                var messages = HubMessages(agent)
                _ = try await messages.nextCommand()
                agent.kill()
            }
            defer { killer.cancel() }
            // 503, not the 504 its 30 s deadline would give: the dead stream failed it at once.
            let response = try await hub.rest.post("/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/ping/?timeout=30")
            #expect(response.status == 503, "\(response)")
            #expect(response.json["error"].string == "client_not_connected")
            #expect(response.json["message"].string == "Client \(agent.agentID.uuidString.lowercased()) is not connected")
            #expect(response.json["detail"].string == "Client is not connected to gRPC server")
            #expect(hub.hub.dispatcher.pendingCount == 0)
        }
    }

    @Test func commandToAKnownButOfflineAgentIs503() async throws {
        try await TestHub.with { hub in
            let agent = RawAgent(port: hub.grpcPort)
            agent.sendHello()
            try await hub.waitForConnected(agent.agentID)
            agent.finish()
            try await hub.waitForDisconnected(agent.agentID)
            let id = agent.agentID.uuidString.lowercased()
            let detail = try await hub.rest.get("/api/crypto/commands/\(id)/")
            #expect(detail.status == 200)
            #expect(detail.json["connected"].bool == false)
            let response = try await hub.rest.post("/api/crypto/commands/\(id)/pause/")
            #expect(response.status == 503)
            #expect(response.json["error"].string == "client_not_connected")
        }
    }

    @Test func agentReconnectsAfterTheHubRestarts() async throws {
        let firstPort = try await TestHub.with { hub in hub.grpcPort }
        // The agent outlives the first hub: it runs in this outer scope.
        let configuration = TestAgents.configuration(name: "survivor", port: firstPort)
        let agent = try TestAgents.make(configuration)
        let links = EventLog<LinkEvent>()
        agent.link.observe(links.append)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await agent.run() }
            defer { group.cancelAll() }
            let welcomedAt = try await TestHub.with(grpcPort: firstPort) { _ in
                // The agent's own view: it was welcomed (not only registered by the hub).
                try await links.wait { if case .connected = $0 { true } else { false } }
                return links.count
            }
            let disconnect = try await links.wait(after: welcomedAt) { if case .disconnected = $0 { true } else { false } }
            // The stopping hub's restart hint reached the agent: it comes back within the hub's
            // window (1 s by default), not after its grown backoff.
            guard case .disconnected(let reason, let retryIn) = disconnect else { return }
            #expect(reason == "hub restarting")
            #expect(try #require(retryIn) <= .seconds(1))
            try await TestHub.with(grpcPort: firstPort) { hub in
                try await hub.waitForConnected(agent.agentID)
                try await hub.expectPong(agent.agentID)
            }
        }
        let connects = links.events.filter { if case .connected = $0 { true } else { false } }
        #expect(connects.count == 2)
    }

    @Test func anAgentGivenTwoHubsMovesToTheOtherWhenItsHubDropsIt() async throws {
        try await TestHub.with { first in
            try await TestHub.with { second in
                var configuration = TestAgents.configuration(name: "traveller", port: first.grpcPort)
                configuration.hubAddresses = ["127.0.0.1:\(first.grpcPort)", "127.0.0.1:\(second.grpcPort)"]
                let agent = try TestAgents.make(configuration)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await agent.run() }
                    defer { group.cancelAll() }
                    // It starts at either hub (at random, so a fleet spreads over them).
                    let hubs = [first, second]
                    let home = try await Self.hubThatRegisters(agent.agentID, among: hubs)
                    let other = hubs[1 - home]
                    for _ in 1...2 {
                        let mark = other.registryEvents.count
                        let homeMark = hubs[home].registryEvents.count
                        // The hub going away ends the stream as a shutdown does: the agent's next
                        // connect goes to the next hub of its list.
                        #expect(hubs[home].hub.link.closeAllSessions(.shuttingDown) == 1)
                        try await other.waitForConnected(agent.agentID, after: mark)
                        try await other.expectPong(agent.agentID)
                        try await hubs[home].waitForDisconnected(agent.agentID, after: homeMark)
                        // And back again, when the other one drops it in turn.
                        let back = hubs[home].registryEvents.count
                        #expect(other.hub.link.closeAllSessions(.shuttingDown) == 1)
                        try await hubs[home].waitForConnected(agent.agentID, after: back)
                    }
                }
            }
        }
    }

    /// The index in `hubs` of the first hub the agent with `id` is connected to.
    static func hubThatRegisters(_ id: UUID, among hubs: [TestHub]) async throws -> Int {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for (index, hub) in hubs.enumerated() {
                group.addTask {
                    try await hub.waitForConnected(id)
                    return index
                }
            }
            defer { group.cancelAll() }
            return try #require(try await group.next())
        }
    }

    @Test func aStoppingHubEndsEachStreamWithTheRestartHint() async throws {
        let agent = try await TestHub.with(configure: { $0.shutdownReconnectWindow = .milliseconds(2500) }) { hub in
            let agent = RawAgent(port: hub.grpcPort)
            agent.sendHello()
            try await hub.waitForConnected(agent.agentID)
            return agent
        }
        let error = try #require(await agent.ending() as? RPCError)
        #expect(error.code == .unavailable)
        #expect(Array(error.metadata[stringValues: WireMetadata.hubError]) == [WireMetadata.shuttingDown])
        #expect(Array(error.metadata[stringValues: WireMetadata.retryAfter]) == ["2500"])
    }

    @Test func aSecondConnectionForTheSameAgentReplacesTheFirst() async throws {
        try await TestHub.with { hub in
            let first = RawAgent(port: hub.grpcPort)
            first.sendHello(name: "first")
            try await hub.waitForConnected(first.agentID)
            let mark = hub.registryEvents.count
            let second = RawAgent(port: hub.grpcPort, agentID: first.agentID)
            second.sendHello(name: "second")
            try await hub.waitForConnected(first.agentID, after: mark)

            let ending = await first.ending()
            let error = try #require(ending as? RPCError)
            #expect(error.code == .aborted)
            #expect(error.message.contains("replaced"))

            let answering = Task {
                var messages = HubMessages(second)
                let command = try await messages.nextCommand()
                second.ack(command, message: "from second")
            }
            defer { answering.cancel() }
            let ping = try await hub.rest.post("/api/crypto/commands/\(first.agentID.uuidString.lowercased())/ping/")
            #expect(ping.status == 200)
            #expect(ping.json["client_name"].string == "second")
            #expect(ping.json["command_result"]["message"].string == "from second")
            #expect(hub.hub.registry.connectedCount == 1)
        }
    }

    @Test func aSilentAgentIsDeclaredGoneWithinTheLivenessTimeout() async throws {
        try await TestHub.with(configure: { configuration in
            configuration.heartbeatInterval = .milliseconds(100)
            configuration.livenessTimeout = .milliseconds(400)
        }) { hub in
            let agent = RawAgent(port: hub.grpcPort)
            agent.sendHello()
            var messages = HubMessages(agent)
            let welcome = try await messages.next()
            #expect(welcome.welcome.heartbeatIntervalMs == 100)
            #expect(welcome.welcome.livenessTimeoutMs == 400)
            // It keeps its stream open and says nothing: only the liveness timeout can end it.
            let ending = await agent.ending()
            let error = try #require(ending as? RPCError)
            #expect(error.code == .unavailable)
            #expect(error.message == "No message from the agent for 0.4s", "\(error)")
            try await hub.waitForDisconnected(agent.agentID)
        }
    }

    @Test func gracefulShutdownLetsInFlightCommandsFinishThenClosesStreamsWithAClearStatus() async throws {
        try await TemporaryDirectory.with { directory in try await self.gracefulShutdown(storePath: directory.path("hub.sqlite")) }
    }

    func gracefulShutdown(storePath: String) async throws {
        var configuration = HubConfiguration()
        configuration.grpcPort = 0
        configuration.httpPort = 0
        configuration.agentTokens = [TestHub.token]
        configuration.storePath = storePath
        configuration.bcryptCost = 4
        let hub = try await buildHub(configuration: configuration, logger: TestHub.logger)
        try await hub.addOperator(TestHub.admin, role: .operator, password: TestHub.password)
        let events = EventLog<RegistryEvent>()
        hub.registry.observe(events.append)
        let group = ServiceGroup(services: [hub], logger: TestHub.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let rest = RESTClient(port: try await hub.httpPort, token: try await hub.token(for: TestHub.admin))
            let agent = RawAgent(port: try await hub.grpcPort)
            agent.sendHello()
            try await events.wait { if case .connected = $0 { true } else { false } }

            let inFlight = Task { try await rest.post("/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/ping/?timeout=20") }
            var messages = HubMessages(agent)
            let command = try await messages.nextCommand()
            await group.triggerGracefulShutdown()
            agent.ack(command, message: "answered during shutdown")

            let response = try await inFlight.value
            #expect(response.status == 200, "\(response)")
            #expect(response.json["command_result"]["message"].string == "answered during shutdown")
            let error = try #require(await messages.ending() as? RPCError)
            #expect(error.code == .unavailable)
            #expect(error.message == "The hub is shutting down")
            // The group ends by itself, without an error.
            try await tasks.next()
        }
        #expect(hub.dispatcher.pendingCount == 0)
    }
}
