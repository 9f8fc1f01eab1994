import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import Testing
import TestSupport
import Wire

/// Sells end to end over the real transport: preview, execute, idempotency, refusals, and an
/// agent that dies between executing on the exchange and acking.
@Suite("Sells", .timeLimit(.minutes(2)))
struct SellTests {
    static func body(_ quantity: String, preview: Bool, asset: String = "BTC") -> String {
        #"{"asset": "\#(asset)", "quantity": "\#(quantity)", "preview": \#(preview)}"#
    }

    @Test func previewThenExecuteChangesBalancesExactlyAsPreviewedAndAKeyExecutesOnce() async throws {
        try await TestHub.with { hub in
            let agent = try TestAgents.make(TestAgents.configuration(name: "seller", port: hub.grpcPort))
            try await TestAgents.with([agent], connectedTo: hub) {
                let base = "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())"
                let before = try await hub.rest.post("\(base)/sync_wallets/")
                #expect(before.json["command_result"]["balances"].array?.map { $0["free"].string } == ["1.5", "12.25", "25000"])

                let preview = try await hub.rest.post("\(base)/sell/", body: Self.body("0.25", preview: true))
                #expect(preview.status == 200, "\(preview)")
                let previewed = preview.json["command_result"]["preview"]
                #expect(previewed["gross"].string == "10781.375")
                #expect(previewed["fee"].string == "10.781375")
                #expect(previewed["net"].string == "10770.593625")
                #expect(previewed["available"].string == "1.5")
                #expect(previewed["limits_hit"] == .array([]))
                #expect(preview.json["sell"]["preview"].bool == true)

                let keyless = try await hub.rest.post("\(base)/sell/", body: Self.body("0.25", preview: false))
                #expect(keyless.status == 428)
                #expect(keyless.json["error"].string == "idempotency_key_required")

                let execute = try await hub.rest.post(
                    "\(base)/sell/", body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "sell-1")])
                #expect(execute.status == 200, "\(execute)")
                let fill = execute.json["command_result"]["fill"]
                #expect(fill["net"].string == previewed["net"].string)
                #expect(fill["fee"].string == previewed["fee"].string)
                #expect(fill["client_order_id"].string == execute.json["command_id"].string)

                let again = try await hub.rest.post(
                    "\(base)/sell/", body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "sell-1")])
                #expect(again.text == execute.text)
                #expect(again.header("Idempotent-Replayed") == "true")
                let other = try await hub.rest.post(
                    "\(base)/sell/", body: Self.body("0.5", preview: false), headers: [("Idempotency-Key", "sell-1")])
                #expect(other.status == 422)

                let after = try await hub.rest.post("\(base)/sync_wallets/?symbols=BTC,USDT")
                #expect(after.json["command_result"]["balances"].array?.map { $0["free"].string } == ["1.25", "35770.593625"])
                let wallets = try await hub.rest.get("\(base)/wallets/")
                #expect(wallets.status == 200)
                let byAsset = Dictionary(
                    uniqueKeysWithValues: (wallets.json["wallets"].array ?? []).map { ($0["asset"].string ?? "", $0["free"].string) })
                #expect(byAsset == ["BTC": "1.25", "ETH": "12.25", "USDT": "35770.593625"], "a partial sync updates the listed wallets")
                #expect(wallets.json["source"].string == "sync_wallets")
                #expect(wallets.json["synced_at"].string != nil)

                let sells = try await hub.rest.get("/api/crypto/history/?action=sell&state=acknowledged")
                let executions = (sells.json["items"].array ?? []).filter { $0["parameters"]["preview"].bool == false }
                #expect(executions.count == 1, "one execution (and one preview)")
                #expect(executions.first?["parameters"]["quantity"].string == "0.25")
                #expect(executions.first?["idempotency_key"].string == "sell-1")

                let detail = try await hub.rest.get("\(base)/")
                #expect(detail.json["sync_requests"].int == 2, "the ack's agent state makes the detail exact")
                #expect(detail.json["wallets_synced"].int == 3)
                #expect(detail.json["last_sync"].string != nil)
            }
        }
    }

    @Test func refusalsComeBackAsFailedResultsWithReasonsNot500s() async throws {
        try await TestHub.with { hub in
            var configuration = TestAgents.configuration(name: "careful", port: hub.grpcPort)
            configuration.limits.maxQuantity = ["BTC": Decimal(string: "0.5")!]
            configuration.limits.allowedAssets = ["BTC"]
            let agent = try TestAgents.make(configuration)
            try await TestAgents.with([agent], connectedTo: hub) {
                let base = "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())"
                func sell(_ body: String, key: String) async throws -> RESTResponse {
                    try await hub.rest.post("\(base)/sell/", body: body, headers: [("Idempotency-Key", key)])
                }
                let cases: [(String, String)] = [
                    (Self.body("0.75", preview: false), "max_quantity"),
                    (Self.body("1", preview: false, asset: "ETH"), "asset_not_allowed"),
                    (Self.body("0.4", preview: false, asset: "DOGE"), "asset_not_allowed"),
                    (#"{"asset": "BTC", "quantity": "0.1", "min_price": "99999999", "preview": false}"#, "min_price"),
                ]
                for (index, (body, code)) in cases.enumerated() {
                    let refused = try await sell(body, key: "refused-\(index)")
                    #expect(refused.status == 200, "\(refused)")
                    #expect(refused.json["command_result"]["success"].bool == false)
                    #expect(refused.json["command_result"]["error_code"].string == code, "\(refused)")
                }
                _ = try await hub.rest.post("\(base)/pause/")
                let paused = try await sell(Self.body("0.1", preview: false), key: "paused")
                #expect(paused.json["command_result"]["error_code"].string == "paused")
                #expect(paused.json["command_result"]["current_status"].string == "PAUSED")

                // Bad input never reaches the agent.
                for (body, field) in [
                    (#"{"asset": "BTC", "quantity": 0.25, "preview": true}"#, "quantity"),
                    (#"{"asset": "BTC", "quantity": "-1", "preview": true}"#, "quantity"),
                    (#"{"asset": "BTC", "quantity": "0.12345678901", "preview": true}"#, "quantity"),
                    (#"{"asset": "BTC", "quantity": "1", "preview": 1}"#, "preview"),
                    (#"{"asset": "BTC", "quantity": "1", "side": "buy"}"#, "side"),
                    (#"{"quantity": "1"}"#, "asset"),
                    ("not json", "body"),
                ] {
                    let bad = try await hub.rest.post("\(base)/sell/", body: body)
                    #expect(bad.status == 400, "\(body) → \(bad)")
                    #expect(bad.json["message"].string?.hasPrefix("Invalid \(field):") == true, "\(bad)")
                }
                let sells = try await hub.rest.get("/api/crypto/history/?action=sell")
                #expect(sells.json["count"].int == 5)
                #expect(
                    try await hub.rest.post("\(base)/sync_wallets/?symbols=BTC").json["command_result"]["error_code"].string == "paused")
            }
        }
    }

    @Test func anAgentKilledAfterExecutingBeforeAckingIsNotExecutedAgainAndTheHistoryShowsTheFill() async throws {
        try await TemporaryDirectory.with { directory in
            try await TestHub.with { hub in
                let reconciliations = EventLog<Reconciliation>()
                hub.hub.dispatcher.observeReconciliations(reconciliations.append)
                var configuration = TestAgents.configuration(name: "mortal", port: hub.grpcPort)
                configuration.statePath = directory.path("agent.sqlite")
                let store = try AgentStore.open(path: configuration.statePath)
                let agentID = try store.identity(configured: configuration.agentID)
                let executed = EventLog<String>()
                let dying = Agent(
                    configuration: configuration, agentID: agentID,
                    exchange: StallAfterExecuting(
                        base: try PaperExchange(configuration: configuration.paper, store: store), executed: executed),
                    finished: SQLiteFinishedCommands(store: store, retention: .seconds(3600)), store: store, logger: TestHub.logger
                )
                let firstLife = Task { try await dying.run() }
                try await hub.waitForConnected(agentID)
                let base = "/api/crypto/commands/\(agentID.uuidString.lowercased())"
                let call = Task {
                    try await hub.rest.post(
                        "\(base)/sell/?timeout=60", body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "k-1")])
                }
                let clientOrderID = try await executed.wait { _ in true }
                firstLife.cancel()
                let response = try await call.value
                #expect(response.status == 503, "the caller learns the stream died, not a made-up result: \(response)")

                let restarted = try await Agent.open(configuration: configuration, logger: TestHub.logger)
                let secondLife = Task { try await restarted.run() }
                defer { secondLife.cancel() }
                let reconciliation = try await reconciliations.wait { $0.commandID.uuidString.lowercased() == clientOrderID }
                #expect(reconciliation.executed)
                #expect(reconciliation.ack?.sellFill.net == "10770.593625")

                let retried = try await hub.rest.post(
                    "\(base)/sell/?timeout=60", body: Self.body("0.25", preview: false), headers: [("Idempotency-Key", "k-1")])
                #expect(retried.text == response.text, "the retry gets the stored answer; nothing is sent again")
                let balances = try await hub.rest.post("\(base)/sync_wallets/?symbols=BTC")
                #expect(balances.json["command_result"]["balances"][0]["free"].string == "1.25", "sold exactly once")

                let entry = try await hub.rest.get("/api/crypto/history/\(clientOrderID)/")
                #expect(entry.json["state"].string == "undeliverable")
                #expect(entry.json["reconciliation"]["report"]["executed"].bool == true)
                #expect(entry.json["reconciliation"]["report"]["command_result"]["fill"]["quantity"].string == "0.25")
                let sells = try await hub.rest.get("/api/crypto/history/?action=sell")
                #expect(sells.json["count"].int == 1)
            }
        }
    }
}

/// An exchange that, after executing a sell, never returns: the agent "dies" between the trade
/// and its record and ack.
struct StallAfterExecuting: ExchangeConnector {
    let base: PaperExchange
    let executed: EventLog<String>

    var name: String { self.base.name }
    var quoteAsset: String { self.base.quoteAsset }
    func balances(symbols: [String]) async throws(AgentError) -> [WalletBalance] { try await self.base.balances(symbols: symbols) }
    func price(of asset: String) async throws(AgentError) -> Decimal { try await self.base.price(of: asset) }
    func previewSell(_ request: SellRequest) async throws(AgentError) -> CryptoAgent.SellPreview {
        try await self.base.previewSell(request)
    }
    func order(clientOrderID: String) async throws(AgentError) -> SellFill? { try await self.base.order(clientOrderID: clientOrderID) }

    func executeSell(_ request: SellRequest, clientOrderID: String) async throws(AgentError) -> SellFill {
        let fill = try await self.base.executeSell(request, clientOrderID: clientOrderID)
        self.executed.append(clientOrderID)
        try? await Task.sleep(for: .seconds(3600))
        return fill
    }
}
