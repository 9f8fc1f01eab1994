import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import DaemonSupport
import Foundation
import GRPCCore
import Testing
import PostgresTestSupport
import TestSupport
import Wire

/// Credentials, the command log, idempotency and restarts, over the real transport and real
/// SQLite files — and the command log and idempotency on PostgreSQL too (`StoreKind`).
@Suite("Durable state", .timeLimit(.minutes(2)))
struct DurableStateTests {
    @Test func credentialsAuthenticateRevocationClosesTheLiveStreamAndRefusesReconnects() async throws {
        try await TemporaryDirectory.with { directory in
            let storePath = directory.path("hub.sqlite")
            try await TestHub.with(
                storePath: storePath,
                configure: {
                    $0.agentTokens = []
                    $0.credentialPollInterval = .milliseconds(20)
                }
            ) { hub in
                // The CLI works from another process: another connection to the same file.
                let cli = CredentialStore(database: try HubDatabase.open(path: storePath))
                let token = try await cli.add(name: "desk-7", labels: ["desk": "7"])
                var configuration = TestAgents.configuration(name: "bot-7", port: hub.grpcPort, token: token)
                configuration.statePath = directory.path("agent.sqlite")
                let agent = try await Agent.open(configuration: configuration, logger: TestHub.logger)
                let run = Task { try await agent.run() }
                defer { run.cancel() }
                try await hub.waitForConnected(agent.agentID)
                let detail = try await hub.rest.get("/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/")
                #expect(detail.json["labels"]["desk"].string == "7", "the credential's labels reach the agent")

                try await cli.revoke(name: "desk-7")
                try await hub.waitForDisconnected(agent.agentID)
                // The agent treats the refusal as fatal instead of retrying forever.
                await #expect(throws: AgentError.self) { try await run.value }

                let again = RawAgent(port: hub.grpcPort, token: token)
                again.sendHello()
                let error = try #require(await again.ending() as? RPCError)
                #expect(error.code == .unauthenticated)
                #expect(error.message == "Credential desk-7 was revoked")
                let wrong = RawAgent(port: hub.grpcPort, token: "chub_not-a-real-token")
                wrong.sendHello()
                #expect((await wrong.ending() as? RPCError)?.code == .unauthenticated)
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func historyRecordsEveryFinalStateWithItsResultAndFilters(store: StoreKind) async throws {
        try await store.configuring { configure in
            try await TestHub.with(configure: configure) { hub in
                let agent = try TestAgents.make(TestAgents.configuration(name: "answering", port: hub.grpcPort))
                let silent = RawAgent(port: hub.grpcPort)
                silent.sendHello(name: "silent")
                try await hub.waitForConnected(silent.agentID)
                try await TestAgents.with([agent], connectedTo: hub) {
                    let id = agent.agentID.uuidString.lowercased()
                    let ping = try await hub.rest.post("/api/crypto/commands/\(id)/ping/")
                    _ = try await hub.rest.post("/api/crypto/commands/\(id)/pause/")
                    let refused = try await hub.rest.post("/api/crypto/commands/\(id)/sync_wallets/?symbols=BTC")
                    let timedOut = try await hub.rest.post(
                        "/api/crypto/commands/\(silent.agentID.uuidString.lowercased())/ping/?timeout=0.2")
                    #expect(timedOut.status == 504)
                    let nobody = RawAgent(port: hub.grpcPort)
                    nobody.sendHello(name: "gone")
                    try await hub.waitForConnected(nobody.agentID)
                    nobody.finish()
                    try await hub.waitForDisconnected(nobody.agentID)
                    let undeliverable = try await hub.rest.post("/api/crypto/commands/\(nobody.agentID.uuidString.lowercased())/ping/")
                    #expect(undeliverable.status == 503)

                    let all = try await hub.rest.get("/api/crypto/history/?limit=100")
                    #expect(all.status == 200)
                    let items = all.json["items"].array ?? []
                    #expect(Set(items.compactMap { $0["state"].string }) == ["acknowledged", "failed", "timed_out", "undeliverable"])
                    #expect(items.allSatisfy { $0["requested_by"].string == TestHub.admin && $0["finished_at"].string != nil })

                    let pinged = try await hub.rest.get("/api/crypto/history/\(ping.json["command_id"].string ?? "?")/")
                    #expect(pinged.json["state"].string == "acknowledged")
                    #expect(pinged.json["client_id"].string == id)
                    #expect(pinged.json["result"]["message"].string == "Pong received")
                    #expect(pinged.json["sent_at"].string != nil)

                    let failed = try await hub.rest.get("/api/crypto/history/?state=failed")
                    #expect(failed.json["items"][0]["command_id"].string == refused.json["command_id"].string)
                    #expect(failed.json["items"][0]["error_code"].string == "paused")
                    #expect(failed.json["items"][0]["parameters"]["symbols"] == .array([.string("BTC")]))

                    let late = try await hub.rest.get(
                        "/api/crypto/history/?state=timed_out&client_id=\(silent.agentID.uuidString.lowercased())")
                    #expect(late.json["count"].int == 1)
                    #expect(late.json["items"][0]["error_code"].string == "command_timeout")
                    let gone = try await hub.rest.get("/api/crypto/history/?state=undeliverable")
                    #expect(gone.json["items"][0]["error_code"].string == "client_not_connected")
                    #expect(gone.json["items"][0]["sent_at"].isNull)

                    let pauses = try await hub.rest.get("/api/crypto/history/?action=pause&client_id=\(id)")
                    #expect(pauses.json["count"].int == 1)
                    let firstPage = try await hub.rest.get("/api/crypto/history/?limit=2")
                    let cursor = try #require(firstPage.json["next_cursor"].string)
                    let secondPage = try await hub.rest.get("/api/crypto/history/?limit=2&cursor=\(cursor)")
                    #expect(
                        Set((firstPage.json["items"].array ?? []).compactMap { $0["command_id"].string })
                            .isDisjoint(with: (secondPage.json["items"].array ?? []).compactMap { $0["command_id"].string }))
                    #expect(try await hub.rest.get("/api/crypto/history/?since=yesterday").status == 400)
                    #expect(try await hub.rest.get("/api/crypto/history/\(UUID().uuidString)/").status == 404)
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aBulkActionIsLoggedAsOneJobWithItsCommands(store: StoreKind) async throws {
        try await store.configuring { configure in
            try await TestHub.with(configure: configure) { hub in
                let agents = try (1...2).map { try TestAgents.make(TestAgents.configuration(name: "bot-\($0)", port: hub.grpcPort)) }
                try await TestAgents.with(agents, connectedTo: hub) {
                    let bulk = try await hub.rest.post("/api/crypto/commands/pause_all/")
                    let jobID = try #require(bulk.json["job_id"].string)
                    let job = try await hub.rest.get("/api/crypto/jobs/\(jobID)/")
                    #expect(job.status == 200)
                    #expect(job.json["action"].string == "pause")
                    #expect(job.json["targeted"].int == 2)
                    #expect(job.json["succeeded"].int == 2)
                    #expect(job.json["finished_at"].string != nil)
                    #expect((job.json["commands"].array ?? []).map { $0["job_id"].string } == [jobID, jobID])
                    let filtered = try await hub.rest.get("/api/crypto/history/?job_id=\(jobID)")
                    #expect(filtered.json["count"].int == 2)
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anIdempotencyKeyRepeatedSendsOnceAndReplaysTheStoredAnswer(store: StoreKind) async throws {
        try await store.configuring { configure in
            try await TestHub.with(configure: configure) { hub in
                let agent = try TestAgents.make(TestAgents.configuration(name: "once", port: hub.grpcPort))
                try await TestAgents.with([agent], connectedTo: hub) {
                    let path = "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/request_status/?include_stats=true"
                    let first = try await hub.rest.post(path, headers: [("Idempotency-Key", "status-1")])
                    let second = try await hub.rest.post(path, headers: [("Idempotency-Key", "status-1")])
                    #expect(first.status == 200)
                    #expect(second.status == 200)
                    #expect(second.text == first.text, "the stored answer, byte for byte")
                    #expect(second.header("Idempotent-Replayed") == "true")
                    #expect(first.header("Idempotent-Replayed") == nil)
                    let sent = try await hub.rest.get("/api/crypto/history/?action=request_status")
                    #expect(sent.json["count"].int == 1, "one command reached the agent")
                    #expect(sent.json["items"][0]["idempotency_key"].string == "status-1")

                    let different = try await hub.rest.post(
                        "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/request_status/?include_stats=false",
                        headers: [("Idempotency-Key", "status-1")]
                    )
                    #expect(different.status == 422)
                    #expect(different.json["error"].string == "idempotency_key_reused")
                    let bad = try await hub.rest.post(path, headers: [("Idempotency-Key", String(repeating: "k", count: 300))])
                    #expect(bad.status == 400)
                }
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aKeyWhoseRequestSentNothingCanBeRetried(store: StoreKind) async throws {
        try await store.configuring { configure in
            try await TestHub.with(configure: configure) { hub in
                let gone = RawAgent(port: hub.grpcPort)
                gone.sendHello()
                try await hub.waitForConnected(gone.agentID)
                gone.finish()
                try await hub.waitForDisconnected(gone.agentID)
                let path = "/api/crypto/commands/\(gone.agentID.uuidString.lowercased())/ping/"
                #expect(try await hub.rest.post(path, headers: [("Idempotency-Key", "retry-me")]).status == 503)

                let back = RawAgent(port: hub.grpcPort, agentID: gone.agentID)
                back.sendHello()
                let mark = hub.registryEvents.count
                try await hub.waitForConnected(gone.agentID, after: mark - 1)
                let answering = Task {
                    var messages = HubMessages(back)
                    back.ack(try await messages.nextCommand(), message: "pong")
                }
                defer { answering.cancel() }
                let retried = try await hub.rest.post(path, headers: [("Idempotency-Key", "retry-me")])
                #expect(retried.status == 200, "\(retried)")
                #expect(retried.header("Idempotent-Replayed") == nil)
            }
        }
    }

    @Test func aHubKilledMidFlightEndsEveryCommandOnRestartAndAgentsComeBack() async throws {
        try await TemporaryDirectory.with { directory in
            let store = directory.path("hub.sqlite")
            let first = try await HubProcess.start(store: store)
            let agents = try (1...2).map { try TestAgents.make(TestAgents.configuration(name: "survivor-\($0)", port: first.grpcPort)) }
            let links = EventLog<(UUID, LinkEvent)>()
            for agent in agents { agent.link.observe { event in links.append((agent.agentID, event)) } }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for agent in agents { group.addTask { try await agent.run() } }
                defer { group.cancelAll() }
                for agent in agents {
                    try await links.wait { $0.0 == agent.agentID && $0.1.isConnected }
                }
                // Commands in flight: two silent agents that never answer.
                let silent = try (1...2).map { _ in RawAgent(port: first.grpcPort) }
                var readers: [HubMessages] = []
                for agent in silent {
                    agent.sendHello(name: "silent")
                    readers.append(HubMessages(agent))
                    try await first.child.lines.wait {
                        $0.contains("agent_id=\(agent.agentID.uuidString.lowercased())") && $0.contains("agent connected")
                    }
                }
                let calls = silent.map { agent in
                    Task { try? await first.rest.post("/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/ping/?timeout=60") }
                }
                for index in readers.indices { _ = try await readers[index].nextCommand() }
                let acknowledged = try await first.rest.post("/api/crypto/commands/\(agents[0].agentID.uuidString.lowercased())/ping/")
                #expect(acknowledged.status == 200)
                let sent = try await first.rest.get("/api/crypto/history/?state=sent")
                #expect(sent.json["count"].int == 2, "the in-flight commands are on disk as sent")

                first.child.signal(SIGKILL)
                #expect(try await first.child.exitStatus() == SIGKILL)
                for call in calls { _ = await call.value }

                let mark = links.count
                let second = try await HubProcess.start(store: store, grpcPort: first.grpcPort)
                for agent in agents {
                    try await links.wait(after: mark) { $0.0 == agent.agentID && $0.1.isConnected }
                }
                for state in ["pending", "sent"] {
                    let left = try await second.rest.get("/api/crypto/history/?state=\(state)")
                    #expect(left.json["count"].int == 0, "no command left \(state)")
                }
                let ended = try await second.rest.get("/api/crypto/history/?state=undeliverable")
                #expect(ended.json["count"].int == 2)
                #expect((ended.json["items"].array ?? []).allSatisfy { $0["error_code"].string == "hub_restarted" })
                let kept = try await second.rest.get("/api/crypto/history/\(acknowledged.json["command_id"].string ?? "?")/")
                #expect(kept.json["state"].string == "acknowledged", "what was final stays final")

                let known = try await second.rest.get("/api/crypto/commands/?include_offline=true")
                let rows = known.json.array ?? []
                for agent in agents {
                    let row = rows.first { $0["client_id"].string == agent.agentID.uuidString.lowercased() }
                    #expect(row?["connected"].bool == true)
                }
                for agent in silent {
                    let row = rows.first { $0["client_id"].string == agent.agentID.uuidString.lowercased() }
                    #expect(row?["connected"].bool == false, "known from the first run, not connected now")
                }
                second.child.signal(SIGTERM)
                #expect(try await second.child.exitStatus() == 0)
            }
        }
    }

    @Test func anAgentRestartedBetweenExecutingAndAckingDoesNotExecuteAgainAndTheHistoryLearnsTheTruth() async throws {
        try await TemporaryDirectory.with { directory in
            try await TestHub.with { hub in
                let reconciliations = EventLog<Reconciliation>()
                hub.hub.dispatcher.observeReconciliations(reconciliations.append)
                var configuration = TestAgents.configuration(name: "crashy", port: hub.grpcPort)
                configuration.statePath = directory.path("agent.sqlite")

                // First life: records the finished command, then dies before the ack leaves.
                let store = try AgentStore.open(path: configuration.statePath)
                let agentID = try store.identity(configured: configuration.agentID)
                let recorded = EventLog<String>()
                let dying = Agent(
                    configuration: configuration, agentID: agentID,
                    exchange: try PaperExchange(configuration: configuration.paper, store: store),
                    finished: StallAfterRecording(
                        base: SQLiteFinishedCommands(store: store, retention: .seconds(3600)), recorded: recorded
                    ),
                    store: store, logger: TestHub.logger
                )
                let firstLife = Task { try await dying.run() }
                try await hub.waitForConnected(agentID)
                let call = Task {
                    try await hub.rest.post("/api/crypto/commands/\(agentID.uuidString.lowercased())/sync_wallets/?timeout=60")
                }
                let commandID = try await recorded.wait { _ in true }
                #expect(dying.state.snapshot.syncRequests == 1, "executed once")
                firstLife.cancel()
                let response = try await call.value
                #expect(response.status == 503, "the stream ended before the ack: \(response)")

                // Second life, same state file: the hub asks what happened; nothing runs again.
                let restarted = try await Agent.open(configuration: configuration, logger: TestHub.logger)
                #expect(restarted.agentID == agentID)
                let secondLife = Task { try await restarted.run() }
                defer { secondLife.cancel() }
                let reconciliation = try await reconciliations.wait { $0.commandID.uuidString.lowercased() == commandID }
                #expect(reconciliation.executed)
                #expect(reconciliation.ack?.message == "Wallet sync completed for 3 coins")
                #expect(restarted.state.snapshot.syncRequests == 0, "the lookup did not execute it again")
                #expect(restarted.state.snapshot.commandsHandled == 0)

                let entry = try await hub.rest.get("/api/crypto/history/\(commandID)/")
                #expect(entry.json["state"].string == "undeliverable", "the final state the caller was told stays")
                #expect(entry.json["reconciliation"]["report"]["executed"].bool == true)
                #expect(entry.json["reconciliation"]["report"]["command_result"]["message"].string == "Wallet sync completed for 3 coins")
            }
        }
    }

    @Test func aDamagedDatabaseStopsTheHubAtStartUpWithAClearErrorAndIsLeftAlone() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("hub.sqlite")
            let garbage = Data(repeating: 0x5A, count: 4096)
            try garbage.write(to: URL(fileURLWithPath: path))
            let hub = try ChildProcess(
                executable: "commandhub", arguments: ["serve", "--store", path, "--grpc-port", "0", "--http-port", "0"])
            #expect(try await hub.exitStatus() == 74)
            try await hub.waitForLine(containing: "commandhub: the database \(path) is damaged")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage)

            let agent = try ChildProcess(
                executable: "crypto-agent", arguments: ["run", "--hub", "127.0.0.1:1"], environment: ["CRYPTO_AGENT_STATE_PATH": path]
            )
            #expect(try await agent.exitStatus() == 74)
            try await agent.waitForLine(containing: "is damaged")
        }
    }
}

/// A finished-command record that, after recording, never returns: the ack never leaves, as
/// if the agent died right after executing and recording.
struct StallAfterRecording: FinishedCommandStore {
    let base: SQLiteFinishedCommands
    let recorded: EventLog<String>

    func ack(for commandID: String) async throws(AgentError) -> Commandhub_V1_CommandAck? {
        try await self.base.ack(for: commandID)
    }

    func record(_ ack: Commandhub_V1_CommandAck, action: String) async throws(AgentError) {
        try await self.base.record(ack, action: action)
        self.recorded.append(ack.commandID)
        // Dies here: only cancellation (the process ending) gets past this point.
        try? await Task.sleep(for: .seconds(3600))
    }

    func lastFinishedCommandID() async throws(AgentError) -> String? {
        try await self.base.lastFinishedCommandID()
    }

    func prune(now: Date) async throws(AgentError) -> Int {
        try await self.base.prune(now: now)
    }
}
