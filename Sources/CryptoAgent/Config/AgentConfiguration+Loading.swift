import DaemonSupport
import Foundation
import Wire

extension AgentConfiguration {
    /// Reads the configuration: `overrides` (command-line flags, by dotted key) first, then the
    /// `CRYPTO_AGENT_*` environment variables, then the JSON file at `path`, then the defaults.
    /// Validates the result; every error names the key (or the variable) at fault.
    public static func load(
        path: String?, environment: [String: String], overrides: [String: String] = [:]
    ) async throws(AgentError) -> AgentConfiguration {
        let configuration: AgentConfiguration
        // `hub` and `hubs` are one setting: the environment's CRYPTO_AGENT_HUB (comma-separated)
        // must beat a file's `hubs` list as it beats a file's `hub`.
        var environment = environment
        let hubVariable = Self.environmentPrefix + "_HUB"
        if environment[hubVariable + "S"] == nil, let hub = environment[hubVariable] { environment[hubVariable + "S"] = hub }
        do {
            let sources = try await ConfigurationSources.load(
                file: path, environment: environment, environmentPrefix: Self.environmentPrefix,
                secrets: Self.keys.secretEnvironmentNames(prefix: Self.environmentPrefix), overrides: overrides
            )
            configuration = try AgentConfiguration(values: ConfigValues(sources))
        } catch {
            throw .configuration(error.reason)
        }
        try configuration.validate()
        return configuration
    }

    /// The configuration `values` describe; keys without a value keep their defaults.
    init(values: ConfigValues) throws(ConfigurationError) {
        self.init()
        self.agentID = try values.uuid("agent_id") ?? self.agentID
        self.name = try values.string("name") ?? self.name
        if let hubs = try values.list("hubs") {
            self.hubAddresses = hubs
        } else if let hub = try values.list("hub") {
            self.hubAddresses = hub
        }
        self.token = try values.string("token", secret: true) ?? self.token
        self.tls = try HubTLSConfiguration.read(values)
        self.labels = try values.map("labels") ?? self.labels
        self.syncInterval = try values.seconds("sync_interval_seconds") ?? self.syncInterval
        self.initialBackoff = try values.seconds("initial_backoff_seconds") ?? self.initialBackoff
        self.maxBackoff = try values.seconds("max_backoff_seconds") ?? self.maxBackoff
        self.maxInFlight = try values.int("max_in_flight") ?? self.maxInFlight
        self.statePath = try values.string("state_path") ?? self.statePath
        self.finishedRetention = try values.hours("finished_retention_hours") ?? self.finishedRetention
        self.exchange = try values.string("exchange") ?? self.exchange
        try self.paper.read(values)
        try self.binance.read(values)
        try self.limits.read(values)
    }
}

extension PaperExchangeConfiguration {
    /// Applies the `paper.*` keys.
    mutating func read(_ values: ConfigValues) throws(ConfigurationError) {
        if let quote = try values.string("paper.quote_asset") { self.quoteAsset = quote.uppercased() }
        self.feeRate = try values.decimal("paper.fee_rate") ?? self.feeRate
        self.balances = try values.decimals("paper.balances") ?? self.balances
        self.prices = try values.decimals("paper.prices") ?? self.prices
        self.randomWalk = try values.decimal("paper.random_walk") ?? self.randomWalk
        if let seed = try values.int("paper.random_seed") {
            guard let unsigned = UInt64(exactly: seed) else {
                throw .invalid(key: values.sources.name(of: "paper.random_seed"), reason: "must not be negative")
            }
            self.randomSeed = unsigned
        }
        if let milliseconds = try values.int("paper.latency_ms") {
            guard (0...600_000).contains(milliseconds) else {
                throw .invalid(key: values.sources.name(of: "paper.latency_ms"), reason: "must be 0...600000")
            }
            self.latency = .milliseconds(milliseconds)
        }
    }
}

extension SellLimits {
    /// Applies the `limits.*` keys.
    mutating func read(_ values: ConfigValues) throws(ConfigurationError) {
        if let assets = try values.list("limits.allowed_assets") { self.allowedAssets = Set(assets.map { $0.uppercased() }) }
        self.maxQuantity = try values.decimals("limits.max_quantity") ?? self.maxQuantity
        self.maxNotional = try values.decimal("limits.max_notional") ?? self.maxNotional
        self.minPrice = try values.decimals("limits.min_price") ?? self.minPrice
    }
}

extension ConfigValues {
    /// A map of asset → decimal string, assets upper-cased; an entry that is not a decimal is an
    /// error naming it (`paper.balances.BTC`).
    func decimals(_ key: String) throws(ConfigurationError) -> [String: Decimal]? {
        guard let map = try self.map(key) else { return nil }
        var parsed: [String: Decimal] = [:]
        for (asset, text) in map {
            guard let value = DecimalText.parse(text) else {
                throw .invalid(
                    key: "\(self.sources.name(of: key)).\(asset)",
                    reason: "must be a decimal string like \"0.25\", got \"\(text.prefix(32))\""
                )
            }
            parsed[asset.uppercased()] = value
        }
        return parsed
    }
}
