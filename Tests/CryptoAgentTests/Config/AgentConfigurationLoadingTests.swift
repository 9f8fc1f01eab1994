import CryptoAgent
import Foundation
import Testing
import TestSupport

/// How the agent reads its configuration: flags over `CRYPTO_AGENT_*` variables over the JSON
/// file over the defaults, and errors that name the key (or the variable) at fault.
@Suite("Agent configuration loading")
struct AgentConfigurationLoadingTests {
    func load(
        _ json: String?, environment: [String: String] = [:], overrides: [String: String] = [:]
    ) async throws -> AgentConfiguration {
        try await TemporaryDirectory.with { directory in
            guard let json else { return try await AgentConfiguration.load(path: nil, environment: environment, overrides: overrides) }
            let path = directory.path("agent.json")
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return try await AgentConfiguration.load(path: path, environment: environment, overrides: overrides)
        }
    }

    @Test func theEnvironmentOverridesTheFileWhichOverridesTheDefaults() async throws {
        let file = #"{"name": "from-file", "sync_interval_seconds": 10, "max_in_flight": 4, "labels": {"desk": "spot", "venue": "a"}}"#
        let configuration = try await self.load(
            file, environment: ["CRYPTO_AGENT_NAME": "from-env", "CRYPTO_AGENT_LABELS": "desk=futures", "CRYPTO_AGENT_MAX_IN_FLIGHT": "8"]
        )
        #expect(configuration.name == "from-env")
        #expect(configuration.maxInFlight == 8)
        #expect(configuration.syncInterval == .seconds(10), "not in the environment: the file's")
        #expect(configuration.maxBackoff == .seconds(30), "in neither: the default")
        #expect(configuration.labels == ["desk": "futures"], "a map from the environment replaces the file's whole")
        let flagged = try await self.load(file, environment: ["CRYPTO_AGENT_NAME": "from-env"], overrides: ["name": "from-flag"])
        #expect(flagged.name == "from-flag")
    }

    @Test func everyFileKeyOfTheExampleConfigIsRead() async throws {
        let file = """
            {
              "agent_id": "6f1c2a4e-8d3b-4f5a-9c7e-1b2d3e4f5a6b", "name": "crypto-bot-001", "hub": "hub.internal:50051",
              "token": "t-1", "labels": {"venue": "binance", "desk": "spot"}, "sync_interval_seconds": 30,
              "initial_backoff_seconds": 0.5, "max_backoff_seconds": 20, "max_in_flight": 16, "state_path": "/var/lib/agent.sqlite",
              "finished_retention_hours": 1.5, "exchange": "paper",
              "paper": {"quote_asset": "usdc", "fee_rate": "0.002", "balances": {"btc": "1.5", "USDC": "10"},
                        "prices": {"BTC": "43125.5"}, "random_walk": "0.01", "random_seed": 7, "latency_ms": 25},
              "limits": {"allowed_assets": ["btc", "ETH"], "max_quantity": {"BTC": "2"}, "max_notional": "100000", "min_price": {"BTC": "30000"}}
            }
            """
        let configuration = try await self.load(file)
        #expect(configuration.agentID == UUID(uuidString: "6f1c2a4e-8d3b-4f5a-9c7e-1b2d3e4f5a6b"))
        #expect(configuration.hubAddress == "hub.internal:50051")
        #expect(configuration.token == "t-1")
        #expect(configuration.labels == ["venue": "binance", "desk": "spot"])
        #expect(configuration.initialBackoff == .milliseconds(500))
        #expect(configuration.maxBackoff == .seconds(20))
        #expect(configuration.maxInFlight == 16)
        #expect(configuration.statePath == "/var/lib/agent.sqlite")
        #expect(configuration.finishedRetention == .seconds(5400))
        #expect(configuration.paper.quoteAsset == "USDC")
        #expect(configuration.paper.feeRate == Decimal(string: "0.002"))
        #expect(configuration.paper.balances == ["BTC": Decimal(string: "1.5")!, "USDC": 10])
        #expect(configuration.paper.prices == ["BTC": Decimal(string: "43125.5")!])
        #expect(configuration.paper.randomWalk == Decimal(string: "0.01"))
        #expect(configuration.paper.randomSeed == 7)
        #expect(configuration.paper.latency == .milliseconds(25))
        #expect(configuration.limits.allowedAssets == ["BTC", "ETH"])
        #expect(configuration.limits.maxQuantity == ["BTC": 2])
        #expect(configuration.limits.maxNotional == 100_000)
        #expect(configuration.limits.minPrice == ["BTC": 30_000])
        #expect(try await self.load(nil) == AgentConfiguration(), "no file, no environment: the defaults")
    }

    @Test func severalHubsComeAsAFileListOrACommaSeparatedVariableAndTheVariableWins() async throws {
        let file = #"{"hubs": ["h1:50051", "h2:50051"], "hub": "ignored:1"}"#
        #expect(try await self.load(file).hubAddresses == ["h1:50051", "h2:50051"], "in one source, hubs beats hub")
        #expect(try await self.load(#"{"hub": "only:50051"}"#).hubAddresses == ["only:50051"])
        let fromVariable = try await self.load(file, environment: ["CRYPTO_AGENT_HUB": "e1:50051, e2:50052"])
        #expect(fromVariable.hubAddresses == ["e1:50051", "e2:50052"], "the environment beats the file's list")
        let flagged = try await self.load(file, environment: ["CRYPTO_AGENT_HUB": "e1:50051"], overrides: ["hubs": "f1:50051"])
        #expect(flagged.hubAddresses == ["f1:50051"], "the flag beats both")
        let endpoints = try fromVariable.hubEndpoints()
        #expect(endpoints.map(\.host) == ["e1", "e2"] && endpoints.map(\.port) == [50051, 50052])
        await #expect(throws: AgentError.self) { try await self.load(#"{"hubs": ["h1:50051", "h2"]}"#) }
        await #expect(throws: AgentError.self) { try await self.load(#"{"hubs": []}"#) }
    }

    @Test func aMalformedValueIsAnErrorNamingItsKeyOrVariable() async throws {
        let cases: [(String?, [String: String], String)] = [
            (#"{"sync_interval_seconds": "soon"}"#, [:], "sync_interval_seconds must be a number of seconds"),
            (nil, ["CRYPTO_AGENT_SYNC_INTERVAL_SECONDS": "soon"], "CRYPTO_AGENT_SYNC_INTERVAL_SECONDS must be a number of seconds"),
            (#"{"max_in_flight": 2.5}"#, [:], "max_in_flight must be an integer"),
            (nil, ["CRYPTO_AGENT_MAX_IN_FLIGHT": "many"], "CRYPTO_AGENT_MAX_IN_FLIGHT must be an integer"),
            (#"{"agent_id": "agent-7"}"#, [:], "agent_id must be a UUID"),
            (#"{"name": 7}"#, [:], "name must be a string"),
            (#"{"paper": {"fee_rate": 0.1}}"#, [:], "paper.fee_rate must be a string"),
            (#"{"paper": {"balances": {"BTC": "lots"}}}"#, [:], "paper.balances.BTC must be a decimal string"),
            (#"{"limits": {"max_notional": "1e6"}}"#, [:], "limits.max_notional must be a decimal string"),
            (nil, ["CRYPTO_AGENT_LABELS": "desk"], "CRYPTO_AGENT_LABELS must be key=value pairs"),
            (#"{"initial_backoff_seconds": -1}"#, [:], "initial_backoff_seconds must be in (0, 86400] seconds"),
            (#"{"paper": {"latency_ms": 700000}}"#, [:], "paper.latency_ms must be 0...600000"),
        ]
        for (json, environment, message) in cases {
            let error = await #expect(throws: AgentError.self) { try await self.load(json, environment: environment) }
            #expect(
                error?.description.hasPrefix("configuration: " + message) == true,
                "\(json ?? "-") \(environment): \(String(describing: error))")
        }
    }

    @Test func aMissingFileIsAnErrorNamingIt() async throws {
        let error = await #expect(throws: AgentError.self) {
            try await AgentConfiguration.load(path: "/nonexistent/agent.json", environment: [:])
        }
        #expect(error?.description == "configuration: cannot read /nonexistent/agent.json: no such readable file")
    }
}
