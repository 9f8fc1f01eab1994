import CommandHub
import HubCore
import FakeBinance
import Foundation
import Testing
import TestSupport
import Wire

/// Hub + a `crypto-agent` process on the binance connector + the fake Binance: REST preview and
/// execute change the exchange's balances exactly as previewed, a key executes once, and neither
/// a killed agent nor an unknown outcome ever sells twice.
@Suite("Binance end to end", .timeLimit(.minutes(2)))
struct BinanceTests {
    static func body(_ quantity: String, preview: Bool) -> String {
        #"{"asset": "BTC", "quantity": "\#(quantity)", "preview": \#(preview)}"#
    }

    /// A hub, a fake Binance with the standard market (1.5 BTC, 25000 USDT, BTCUSDT at 43125.5,
    /// 0.1 % taker) and the agent's key files (mode 0600) in `directory`.
    static func with(_ body: (TestHub, FakeBinance, TemporaryDirectory, [String: any Sendable]) async throws -> Void) async throws {
        try await TemporaryDirectory.with { directory in
            try await FakeBinance.with { fake in
                fake.list(FakeSymbol(base: "BTC", bid: Decimal(string: "43125.5")!))
                fake.deposit("BTC", Decimal(string: "1.5")!)
                fake.deposit("USDT", 25_000)
                var binance: [String: any Sendable] = ["base_url": fake.baseURL]
                for (key, value) in [("api_key_file", FakeBinance.apiKey), ("secret_key_file", FakeBinance.secretKey)] {
                    let path = directory.path(key)
                    FileManager.default.createFile(
                        atPath: path, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600])
                    binance[key] = path
                }
                try await TestHub.with { hub in try await body(hub, fake, directory, ["exchange": "binance", "binance": binance]) }
            }
        }
    }

    @Test func aPreviewThenAnExecuteMoveTheExchangesBalancesExactlyAsPreviewedAndAKeyExecutesOnce() async throws {
        try await Self.with { hub, fake, directory, settings in
            let agent = try AgentProcess.start(
                hubPort: hub.grpcPort, name: "binance-seller", statePath: directory.path("agent.sqlite"), settings: settings)
            defer { agent.child.signal(SIGKILL) }
            try await hub.waitForConnected(agent.agentID)
            let wallets = try await hub.rest.post(agent.path("sync_wallets"))
            #expect(wallets.json["command_result"]["balances"].array?.map { $0["asset"].string } == ["BTC", "USDT"], "\(wallets)")

            let preview = try await hub.rest.post(agent.path("sell"), body: Self.body("0.25", preview: true))
            let previewed = preview.json["command_result"]["preview"]
            #expect(previewed["price"].string == "43125.5", "\(preview)")
            #expect(previewed["net"].string == "10770.593625")
            #expect(previewed["limits_hit"] == .array([]))
            #expect(fake.totalExecutions == 0, "a preview never trades")

            let execute = try await hub.rest.post(
                agent.path("sell"), body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "binance-1")])
            #expect(execute.status == 200, "\(execute)")
            let fill = execute.json["command_result"]["fill"]
            #expect(fill["quantity"].string == previewed["quantity"].string)
            #expect(fill["net"].string == previewed["net"].string)
            #expect(fill["fee"].string == previewed["fee"].string)
            let commandID = try #require(execute.json["command_id"].string)
            #expect(fill["client_order_id"].string == commandID)
            #expect(fake.balance("BTC") == Decimal(string: "1.25"))
            #expect(fake.balance("USDT") == 25_000 + Decimal(string: previewed["net"].string ?? "")!)

            let again = try await hub.rest.post(
                agent.path("sell"), body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "binance-1")])
            #expect(again.text == execute.text)
            #expect(again.header("Idempotent-Replayed") == "true")
            #expect(fake.orderPosts(commandID) == 1)
            #expect(fake.totalExecutions == 1)
        }
    }

    @Test func anAgentKilledAfterItsOrderWasPlacedAndBeforeTheAckNeverSellsAgainAndTheHistoryEndsWithTheFill() async throws {
        try await Self.with { hub, fake, directory, settings in
            let reconciliations = EventLog<Reconciliation>()
            hub.hub.dispatcher.observeReconciliations(reconciliations.append)
            let state = directory.path("agent.sqlite")
            let agent = try AgentProcess.start(hubPort: hub.grpcPort, name: "binance-mortal", statePath: state, settings: settings)
            try await hub.waitForConnected(agent.agentID)
            // The exchange executes the order and holds its answer: the agent dies waiting for it.
            fake.inject(.holdAfterExecuting)
            let call = Task {
                try await hub.rest.post(
                    agent.path("sell") + "?timeout=60", body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "k-1")])
            }
            let commandID = try await fake.executed.wait { _ in true }
            agent.child.signal(SIGKILL)
            let response = try await call.value
            #expect(response.status == 503, "the caller learns the stream died, not a made-up result: \(response)")

            let mark = hub.registryEvents.events.count
            let again = try AgentProcess.start(
                hubPort: hub.grpcPort, agentID: agent.agentID, name: "binance-mortal", statePath: state, settings: settings)
            defer { again.child.signal(SIGKILL) }
            try await hub.waitForConnected(agent.agentID, after: mark)
            let reconciliation = try await reconciliations.wait { $0.commandID.uuidString.lowercased() == commandID }
            #expect(reconciliation.executed)
            #expect(reconciliation.ack?.sellFill.net == "10770.593625")
            #expect(fake.orderPosts(commandID) == 1, "the restarted agent looked the order up; it never sent it again")
            #expect(fake.executions(commandID) == 1)
            #expect(fake.balance("BTC") == Decimal(string: "1.25"))

            let entry = try await hub.rest.get("/api/crypto/history/\(commandID)/")
            #expect(entry.json["state"].string == "undeliverable")
            #expect(entry.json["reconciliation"]["report"]["executed"].bool == true)
            #expect(entry.json["reconciliation"]["report"]["command_result"]["fill"]["quantity"].string == "0.25")
            let retried = try await hub.rest.post(
                again.path("sell") + "?timeout=60", body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "k-1")])
            #expect(retried.text == response.text, "the retry gets the stored answer; nothing is sent again")
            #expect(fake.totalExecutions == 1)
        }
    }

    @Test func anOutcomeTheExchangeCannotTellIsOutcomeUnknownUntilTheHubsReconciliationLearnsTheFill() async throws {
        try await Self.with { hub, fake, directory, settings in
            var settings = settings
            var binance = settings["binance"] as? [String: any Sendable] ?? [:]
            binance["outcome_lookup_seconds"] = 1
            settings["binance"] = binance
            let reconciliations = EventLog<Reconciliation>()
            hub.hub.dispatcher.observeReconciliations(reconciliations.append)
            let state = directory.path("agent.sqlite")
            let agent = try AgentProcess.start(hubPort: hub.grpcPort, name: "binance-unsure", statePath: state, settings: settings)
            try await hub.waitForConnected(agent.agentID)
            fake.inject(.failAfterExecuting(status: 503, code: nil))
            fake.hideOrders(fromNextLookups: 1000)
            let unknown = try await hub.rest.post(
                agent.path("sell"), body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "u-1")])
            #expect(unknown.json["command_result"]["success"].bool == false, "\(unknown)")
            #expect(unknown.json["command_result"]["error_code"].string == "outcome_unknown")
            let commandID = try #require(unknown.json["command_id"].string)
            #expect(try await hub.rest.get("/api/crypto/history/\(commandID)/").json["state"].string == "failed")

            // The exchange can tell again; the agent reconnects and the hub asks it.
            fake.hideOrders(fromNextLookups: 0)
            agent.child.signal(SIGTERM)
            _ = try await agent.child.exitStatus()
            let mark = hub.registryEvents.events.count
            let again = try AgentProcess.start(
                hubPort: hub.grpcPort, agentID: agent.agentID, name: "binance-unsure", statePath: state, settings: settings)
            defer { again.child.signal(SIGKILL) }
            try await hub.waitForConnected(agent.agentID, after: mark)
            let reconciliation = try await reconciliations.wait { $0.commandID.uuidString.lowercased() == commandID }
            #expect(reconciliation.executed)
            let entry = try await hub.rest.get("/api/crypto/history/\(commandID)/")
            #expect(entry.json["reconciliation"]["report"]["command_result"]["fill"]["net"].string == "10770.593625", "\(entry)")
            #expect(fake.orderPosts(commandID) == 1)
            #expect(fake.executions(commandID) == 1)
        }
    }

    @Test func theCommandLineWorksOnBinanceNeverShowsTheKeysAndRefusesBadOnesInOneLine() async throws {
        try await Self.with { _, fake, directory, settings in
            let environment = [
                "CRYPTO_AGENT_STATE_PATH": directory.path("cli.sqlite"), "CRYPTO_AGENT_EXCHANGE": "binance",
                "CRYPTO_AGENT_BINANCE_BASE_URL": fake.baseURL, "CRYPTO_AGENT_BINANCE_API_KEY": FakeBinance.apiKey,
                "CRYPTO_AGENT_BINANCE_SECRET_KEY": FakeBinance.secretKey,
            ]
            func run(_ arguments: [String], _ environment: [String: String]) async throws -> (status: Int32, output: String) {
                let child = try ChildProcess(executable: "crypto-agent", arguments: arguments, environment: environment)
                let status = try await child.exitStatus()
                try await child.waitForEnd()
                return (status, child.lines.events.joined(separator: "\n"))
            }
            let status = try await run(["status", "--json"], environment)
            #expect(status.status == 0, "\(status.output)")
            #expect(status.output.contains(#""exchange" : "binance""#))
            let wallets = try await run(["wallets", "--json"], environment)
            #expect(wallets.output.contains(#""free" : "1.5""#), "\(wallets.output)")
            let preview = try await run(["sell", "preview", "--asset", "btc", "--quantity", "0.25", "--json"], environment)
            #expect(preview.output.contains(#""net" : "10770.593625""#), "\(preview.output)")
            let executed = try await run(["sell", "execute", "--asset", "BTC", "--quantity", "0.25", "--yes", "--json"], environment)
            #expect(executed.status == 0, "\(executed.output)")
            #expect(fake.totalExecutions == 1)
            #expect(fake.balance("BTC") == Decimal(string: "1.25"))
            for output in [status.output, wallets.output, preview.output, executed.output] {
                #expect(!output.contains(FakeBinance.apiKey) && !output.contains(FakeBinance.secretKey))
            }

            var wrongSecret = environment
            wrongSecret["CRYPTO_AGENT_BINANCE_SECRET_KEY"] = "not-the-secret"
            let refused = try await run(["wallets"], wrongSecret)
            #expect(refused.status == 78)
            #expect(
                refused.output.hasPrefix("crypto-agent: configuration: binance at \(fake.baseURL) refused the keys"), "\(refused.output)")
            #expect(!refused.output.contains("\n") && !refused.output.contains("not-the-secret"))

            let binance = settings["binance"] as? [String: any Sendable]
            let keyFile = try #require(binance?["secret_key_file"] as? String)
            try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: keyFile)
            var withFiles = environment
            withFiles["CRYPTO_AGENT_BINANCE_API_KEY"] = nil
            withFiles["CRYPTO_AGENT_BINANCE_SECRET_KEY"] = nil
            withFiles["CRYPTO_AGENT_BINANCE_API_KEY_FILE"] = binance?["api_key_file"] as? String
            withFiles["CRYPTO_AGENT_BINANCE_SECRET_KEY_FILE"] = keyFile
            let exposed = try await run(["status"], withFiles)
            #expect(exposed.status == 78)
            #expect(
                exposed.output
                    == "crypto-agent: configuration: binance.secret_key_file: \(keyFile) is readable by group or others (mode 640); chmod 600 it"
            )
        }
    }
}
