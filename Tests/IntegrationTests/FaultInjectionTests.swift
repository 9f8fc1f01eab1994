import AgentSwarm
import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

extension HeavySuites {
    /// Faults injected for real — signals to real agent and hub processes, agents that answer late
    /// or never — on loopback, bounded in count and time. After each: every command is final,
    /// nothing is pending, nothing executed twice, and the agents come back.
    @Suite("Fault injection", .timeLimit(.minutes(3)))
    struct FaultInjectionTests {
        /// Fast liveness so a frozen agent is noticed within about a second.
        static func quickLiveness(_ configuration: inout HubConfiguration) {
            configuration.heartbeatInterval = .milliseconds(200)
            configuration.livenessTimeout = .seconds(1)
            configuration.keepaliveInterval = .milliseconds(300)
            configuration.keepaliveTimeout = .milliseconds(500)
        }

        @Test func anAgentFrozenPastTheLivenessLimitIsDeclaredGoneAndComesBackWhenResumed() async throws {
            try await TemporaryDirectory.with { directory in
                try await TestHub.with(configure: Self.quickLiveness) { hub in
                    let agent = try AgentProcess.start(hubPort: hub.grpcPort, name: "frozen", statePath: directory.path("agent.sqlite"))
                    defer { agent.child.signal(SIGKILL) }
                    try await hub.waitForConnected(agent.agentID)

                    let mark = hub.registryEvents.events.count
                    let frozen = ContinuousClock.now
                    agent.child.signal(SIGSTOP)
                    try await hub.waitForDisconnected(agent.agentID, after: mark)
                    let goneAfter = ContinuousClock.now - frozen
                    Measured.note("agent frozen (SIGSTOP), liveness 1 s: declared gone after \(Measured.seconds(goneAfter))")
                    let meanwhile = try await hub.rest.post(agent.path("ping"))
                    #expect(meanwhile.status == 503, "fails fast while gone: \(meanwhile)")

                    let gone = hub.registryEvents.events.count
                    let resumed = ContinuousClock.now
                    agent.child.signal(SIGCONT)
                    try await hub.waitForConnected(agent.agentID, after: gone)
                    Measured.note("agent resumed (SIGCONT): connected again after \(Measured.seconds(ContinuousClock.now - resumed))")
                    let ping = try await hub.rest.post(agent.path("ping"))
                    #expect(ping.status == 200, "\(ping)")
                    agent.child.signal(SIGTERM)
                    #expect(try await agent.child.exitStatus() == 0)
                    #expect(hub.hub.dispatcher.pendingCount == 0)
                }
            }
        }

        @Test func anAgentKilledMidCommandGives503PromptlyAndItsRestartNeverRunsTheCommand() async throws {
            try await TemporaryDirectory.with { directory in
                try await TestHub.with { hub in
                    let reconciliations = EventLog<Reconciliation>()
                    hub.hub.dispatcher.observeReconciliations(reconciliations.append)
                    let state = directory.path("agent.sqlite")
                    // The exchange takes a minute: the agent is mid-command when it dies.
                    let agent = try AgentProcess.start(hubPort: hub.grpcPort, name: "mortal", statePath: state, exchangeLatencyMs: 60_000)
                    try await hub.waitForConnected(agent.agentID)
                    let call = Task { try await hub.rest.post(agent.path("sync_wallets") + "?timeout=60") }
                    let received = try await agent.child.waitForLine(containing: "command received")
                    let commandID = try #require(received.components(separatedBy: "command_id=").last?.prefix(36)).lowercased()
                    let killed = ContinuousClock.now
                    agent.child.signal(SIGKILL)
                    let response = try await call.value
                    #expect(response.status == 503, "at once, not the 504 of its 60 s deadline: \(response)")
                    Measured.note(
                        "agent killed (SIGKILL) mid-command: the caller had 503 after \(Measured.seconds(ContinuousClock.now - killed)) (deadline 60 s)"
                    )
                    #expect(hub.hub.dispatcher.pendingCount == 0)

                    // Restarted on the same state file, without the latency: the hub asks about the
                    // unanswered command; the agent never ran it and says so, and will never run it.
                    let mark = hub.registryEvents.events.count
                    let again = try AgentProcess.start(hubPort: hub.grpcPort, agentID: agent.agentID, name: "mortal", statePath: state)
                    defer { again.child.signal(SIGKILL) }
                    try await hub.waitForConnected(agent.agentID, after: mark)
                    let reconciliation = try await reconciliations.wait { $0.commandID.uuidString.lowercased() == commandID }
                    #expect(!reconciliation.executed)
                    let status = try await hub.rest.post(again.path("request_status"))
                    #expect(status.json["command_result"]["report"]["sync_requests"].int == 0, "the killed sync never ran: \(status)")
                    let entry = try await hub.rest.get("/api/crypto/history/\(commandID)/")
                    #expect(entry.json["state"].string == "undeliverable")
                    #expect(entry.json["reconciliation"]["report"]["executed"].bool == false)
                }
            }
        }

        /// Two hub processes, an agent process given both: kill -9 the one holding it and the
        /// other serves it within its backoff — no restart of the dead one needed.
        @Test func anAgentGivenTwoHubsIsServedByTheOtherWhenItsHubIsKilled() async throws {
            try await TemporaryDirectory.with { directory in
                let hubs = [
                    try await HubProcess.start(store: directory.path("a.sqlite")),
                    try await HubProcess.start(store: directory.path("b.sqlite")),
                ]
                defer { for hub in hubs { hub.child.signal(SIGKILL) } }
                let agent = try AgentProcess.start(
                    hubPort: hubs[0].grpcPort, name: "two-homes", statePath: directory.path("agent.sqlite"),
                    settings: ["hubs": hubs.map { "127.0.0.1:\($0.grpcPort)" }]
                )
                defer { agent.child.signal(SIGKILL) }
                let home = try await withThrowingTaskGroup(of: Int.self) { group in
                    for (index, hub) in hubs.enumerated() {
                        group.addTask {
                            try await hub.child.waitForLine(containing: "agent connected")
                            return index
                        }
                    }
                    defer { group.cancelAll() }
                    return try #require(try await group.next())
                }
                let other = hubs[1 - home]
                #expect(try await hubs[home].rest.post(agent.path("ping")).status == 200)
                let killed = ContinuousClock.now
                hubs[home].child.signal(SIGKILL)
                #expect(try await hubs[home].child.exitStatus() == SIGKILL)
                try await other.child.waitForLine(containing: "agent connected")
                Measured.note(
                    "hub killed (SIGKILL): its agent was served by the other hub after \(Measured.seconds(ContinuousClock.now - killed))")
                let ping = try await other.rest.post(agent.path("ping"))
                #expect(ping.status == 200, "\(ping)")
            }
        }

        @Test func aSlowAgentTimesOutAndItsLateAnswerIsKeptAsTheAgentsLaterWord() async throws {
            try await TemporaryDirectory.with { directory in
                try await TestHub.with { hub in
                    let reconciliations = EventLog<Reconciliation>()
                    hub.hub.dispatcher.observeReconciliations(reconciliations.append)
                    let agent = try AgentProcess.start(
                        hubPort: hub.grpcPort, name: "slow", statePath: directory.path("agent.sqlite"), exchangeLatencyMs: 1_500)
                    defer { agent.child.signal(SIGKILL) }
                    try await hub.waitForConnected(agent.agentID)
                    let response = try await hub.rest.post(agent.path("sync_wallets") + "?timeout=0.5")
                    #expect(response.status == 504, "\(response)")
                    #expect(response.json["error"].string == "command_timeout")
                    let commandID = try #require(response.json["message"].string?.split(separator: " ").dropFirst().first).lowercased()
                    let late = try await reconciliations.wait { $0.commandID.uuidString.lowercased() == commandID }
                    #expect(late.executed, "the agent did finish it, after the deadline")
                    let entry = try await hub.rest.get("/api/crypto/history/\(commandID)/")
                    #expect(entry.json["state"].string == "timed_out", "what the caller was told stays")
                    #expect(entry.json["reconciliation"]["report"]["command_result"]["success"].bool == true)
                    #expect(hub.hub.dispatcher.pendingCount == 0)
                }
            }
        }

        /// The hub is killed (SIGKILL) with 300 agents connected and a bulk action's 300 commands
        /// executed but not yet acknowledged; restarted on the same store and port, it ends every
        /// command, gets every agent back within the backoff bounds, learns by lookup that each was
        /// executed — and nothing runs twice.
        @Test func aHubKilledWithHundredsOfAgentsAndPendingCommandsLosesNothingAndRepeatsNothing() async throws {
            try await TemporaryDirectory.with { directory in
                let store = directory.path("hub.sqlite")
                let first = try await HubProcess.start(store: store)
                var settings = Swarm.Settings(port: first.grpcPort, token: TestHub.token)
                settings.answering = .after(.seconds(600))
                settings.recordExecutions = true
                settings.initialBackoff = .milliseconds(50)
                settings.maximumBackoff = .milliseconds(500)
                let count = 300
                let swarm = Swarm(count: count, settings: settings, group: MultiThreadedEventLoopGroup.singleton)
                swarm.start()
                await swarm.waitForConnected(count)

                let bulk = Task { try? await first.rest.post("/api/crypto/commands/pause_all/?timeout=60") }
                await swarm.wait(until: .received, reaches: count)
                // The log is batched: a crash loses at most the batch being written (the documented
                // trade-off; sells are on disk before they are sent). History reads flush it, so
                // this also makes sure the 300 in-flight commands are on disk as sent.
                let inFlight = try await first.rest.get("/api/crypto/history/?state=sent&limit=1000")
                #expect(inFlight.json["count"].int == count)
                first.child.signal(SIGKILL)
                #expect(try await first.child.exitStatus() == SIGKILL)
                _ = await bulk.value

                let restarted = ContinuousClock.now
                let second = try await HubProcess.start(store: store, grpcPort: first.grpcPort)
                await swarm.wait(until: .welcomes, reaches: 2 * count)
                let back = ContinuousClock.now - restarted
                Measured.note(
                    "hub killed (SIGKILL) with \(count) agents and \(count) commands in flight: all \(count) back \(Measured.seconds(back)) after the restart began (backoff 50–500 ms)"
                )
                await swarm.wait(until: .lookups, reaches: count)

                for state in ["pending", "sent"] {
                    #expect(
                        try await second.rest.get("/api/crypto/history/?state=\(state)").json["count"].int == 0, "nothing left \(state)")
                }
                let ended = try await second.rest.get("/api/crypto/history/?action=pause&limit=1000")
                let items = ended.json["items"].array ?? []
                #expect(items.count == count)
                #expect(items.allSatisfy { $0["state"].string == "undeliverable" && $0["error_code"].string == "hub_restarted" })
                #expect(items.allSatisfy { $0["reconciliation"]["report"]["executed"].bool == true }, "each one's truth is learned")
                let executions = swarm.executionCounts
                #expect(executions.count == count)
                #expect(executions.values.allSatisfy { $0 == 1 }, "nothing executed twice")
                Measured.note(
                    "… non-final commands after restart: \(items.filter { $0["state"].string == "pending" || $0["state"].string == "sent" }.count); looked up: \(swarm.lookupCount); executed twice: \(executions.values.filter { $0 > 1 }.count)"
                )
                await swarm.stop()
                second.child.signal(SIGTERM)
                #expect(try await second.child.exitStatus() == 0)
            }
        }
    }
}
