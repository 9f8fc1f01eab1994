import Foundation
import Wire

extension AgentConfiguration {
    /// The environment variables that override the file, as in seed 000 (`KURSACH_*` there).
    public static let environmentKeys: [(key: String, help: String)] = [
        ("CRYPTO_AGENT_AGENT_ID", "agent id (UUID)"),
        ("CRYPTO_AGENT_NAME", "display name"),
        ("CRYPTO_AGENT_HUB", "hub gRPC address, host:port"),
        ("CRYPTO_AGENT_TOKEN", "bearer token for the hub"),
        ("CRYPTO_AGENT_LABELS", "labels, k=v,k2=v2"),
        ("CRYPTO_AGENT_SYNC_INTERVAL_SECONDS", "periodic wallet sync interval"),
        ("CRYPTO_AGENT_STATE_PATH", "SQLite state file"),
        ("CRYPTO_AGENT_INITIAL_BACKOFF_SECONDS", "first reconnect delay bound"),
        ("CRYPTO_AGENT_MAX_BACKOFF_SECONDS", "largest reconnect delay bound"),
        ("CRYPTO_AGENT_MAX_IN_FLIGHT", "commands executed at once"),
        ("CRYPTO_AGENT_FINISHED_RETENTION_HOURS", "how long finished commands are remembered (72)"),
    ] + Self.tlsEnvironmentKeys

    /// Reads `path` (JSON, optional) and then applies `environment` overrides; validates the result.
    public static func load(path: String?, environment: [String: String]) throws(AgentError) -> AgentConfiguration {
        var configuration = AgentConfiguration()
        if let path {
            let data: Data
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw .configuration("cannot read \(path): \(error.localizedDescription)")
            }
            let file: AgentConfigurationFile
            do { file = try JSONDecoder().decode(AgentConfigurationFile.self, from: data) } catch {
                throw .configuration("\(path) is not a valid agent config: \(Self.describe(error))")
            }
            try configuration.apply(file)
        }
        try configuration.apply(environment: environment)
        try configuration.validate()
        return configuration
    }

    mutating func apply(_ file: AgentConfigurationFile) throws(AgentError) {
        if let id = file.agentID { self.agentID = try Self.uuid(id, key: "agent_id") }
        if let name = file.name { self.name = name }
        if let hub = file.hub { self.hubAddress = hub }
        if let token = file.token { self.token = token }
        if let tls = file.tls { self.apply(tls: tls) }
        if let labels = file.labels { self.labels = labels }
        if let seconds = file.syncIntervalSeconds { self.syncInterval = try Self.duration(seconds, key: "sync_interval_seconds") }
        if let seconds = file.initialBackoffSeconds { self.initialBackoff = try Self.duration(seconds, key: "initial_backoff_seconds") }
        if let seconds = file.maxBackoffSeconds { self.maxBackoff = try Self.duration(seconds, key: "max_backoff_seconds") }
        if let count = file.maxInFlight { self.maxInFlight = count }
        if let path = file.statePath { self.statePath = path }
        if let hours = file.finishedRetentionHours { self.finishedRetention = try Self.hours(hours, key: "finished_retention_hours") }
        if let exchange = file.exchange { self.exchange = exchange }
        if let paper = file.paper {
            if let quote = paper.quoteAsset { self.paper.quoteAsset = quote.uppercased() }
            if let fee = paper.feeRate { self.paper.feeRate = try Self.decimal(fee, key: "paper.fee_rate") }
            if let balances = paper.balances {
                var parsed: [String: Decimal] = [:]
                for (asset, amount) in balances { parsed[asset.uppercased()] = try Self.decimal(amount, key: "paper.balances.\(asset)") }
                self.paper.balances = parsed
            }
            if let prices = paper.prices {
                var parsed: [String: Decimal] = [:]
                for (asset, price) in prices { parsed[asset.uppercased()] = try Self.decimal(price, key: "paper.prices.\(asset)") }
                self.paper.prices = parsed
            }
            if let walk = paper.randomWalk { self.paper.randomWalk = try Self.decimal(walk, key: "paper.random_walk") }
            if let seed = paper.randomSeed { self.paper.randomSeed = seed }
            if let milliseconds = paper.latencyMs {
                guard (0...600_000).contains(milliseconds) else { throw .configuration("paper.latency_ms must be 0...600000") }
                self.paper.latency = .milliseconds(milliseconds)
            }
        }
        if let limits = file.limits {
            if let assets = limits.allowedAssets { self.limits.allowedAssets = Set(assets.map { $0.uppercased() }) }
            for (asset, value) in limits.maxQuantity ?? [:] {
                self.limits.maxQuantity[asset.uppercased()] = try Self.decimal(value, key: "limits.max_quantity.\(asset)")
            }
            if let value = limits.maxNotional { self.limits.maxNotional = try Self.decimal(value, key: "limits.max_notional") }
            for (asset, value) in limits.minPrice ?? [:] {
                self.limits.minPrice[asset.uppercased()] = try Self.decimal(value, key: "limits.min_price.\(asset)")
            }
        }
    }

    mutating func apply(environment: [String: String]) throws(AgentError) {
        if let id = environment["CRYPTO_AGENT_AGENT_ID"] { self.agentID = try Self.uuid(id, key: "CRYPTO_AGENT_AGENT_ID") }
        if let name = environment["CRYPTO_AGENT_NAME"] { self.name = name }
        if let hub = environment["CRYPTO_AGENT_HUB"] { self.hubAddress = hub }
        if let token = environment["CRYPTO_AGENT_TOKEN"] { self.token = token }
        try self.apply(tlsEnvironment: environment)
        if let labels = environment["CRYPTO_AGENT_LABELS"] { self.labels = try Self.labels(labels) }
        if let seconds = environment["CRYPTO_AGENT_SYNC_INTERVAL_SECONDS"] {
            self.syncInterval = try Self.duration(Self.number(seconds, key: "CRYPTO_AGENT_SYNC_INTERVAL_SECONDS"), key: "CRYPTO_AGENT_SYNC_INTERVAL_SECONDS")
        }
        if let path = environment["CRYPTO_AGENT_STATE_PATH"] { self.statePath = path }
        if let seconds = environment["CRYPTO_AGENT_INITIAL_BACKOFF_SECONDS"] {
            self.initialBackoff = try Self.duration(Self.number(seconds, key: "CRYPTO_AGENT_INITIAL_BACKOFF_SECONDS"), key: "CRYPTO_AGENT_INITIAL_BACKOFF_SECONDS")
        }
        if let seconds = environment["CRYPTO_AGENT_MAX_BACKOFF_SECONDS"] {
            self.maxBackoff = try Self.duration(Self.number(seconds, key: "CRYPTO_AGENT_MAX_BACKOFF_SECONDS"), key: "CRYPTO_AGENT_MAX_BACKOFF_SECONDS")
        }
        if let hours = environment["CRYPTO_AGENT_FINISHED_RETENTION_HOURS"] {
            let key = "CRYPTO_AGENT_FINISHED_RETENTION_HOURS"
            self.finishedRetention = try Self.hours(Self.number(hours, key: key), key: key)
        }
        if let count = environment["CRYPTO_AGENT_MAX_IN_FLIGHT"] {
            guard let value = Int(count) else { throw .configuration("CRYPTO_AGENT_MAX_IN_FLIGHT must be an integer") }
            self.maxInFlight = value
        }
    }

    /// Parses `k=v,k2=v2`.
    public static func labels(_ text: String) throws(AgentError) -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty else { throw .configuration("label \"\(pair)\" must be key=value") }
            labels[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        return labels
    }

    private static func uuid(_ text: String, key: String) throws(AgentError) -> UUID {
        guard let id = UUID(uuidString: text) else { throw .configuration("\(key) must be a UUID, got \"\(text.prefix(64))\"") }
        return id
    }

    private static func number(_ text: String, key: String) throws(AgentError) -> Double {
        guard let value = Double(text), value.isFinite else { throw .configuration("\(key) must be a number, got \"\(text.prefix(32))\"") }
        return value
    }

    private static func duration(_ seconds: Double, key: String) throws(AgentError) -> Duration {
        guard seconds.isFinite, seconds > 0, seconds <= 86_400 else { throw .configuration("\(key) must be in (0, 86400] seconds") }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func hours(_ hours: Double, key: String) throws(AgentError) -> Duration {
        guard hours.isFinite, hours > 0, hours <= 24 * 365 else { throw .configuration("\(key) must be in (0, 8760] hours") }
        return .seconds(hours * 3600)
    }

    private static func decimal(_ text: String, key: String) throws(AgentError) -> Decimal {
        guard let value = DecimalText.parse(text) else { throw .configuration("\(key) must be a decimal string like \"0.25\", got \"\(text.prefix(32))\"") }
        return value
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context),
             DecodingError.dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, _):
            return "missing \(key.stringValue)"
        default:
            return "\(error)"
        }
    }
}

/// The JSON config file: every key optional, snake_case, amounts as strings.
struct AgentConfigurationFile: Decodable {
    /// `"tls": true | false`, or `"tls": {"ca_file", "cert_file", "key_file", "server_name"}`.
    enum TLS: Decodable {
        case enabled(Bool)
        case settings(HubTLSConfiguration)

        enum CodingKeys: String, CodingKey {
            case caFile = "ca_file", certFile = "cert_file", keyFile = "key_file", serverName = "server_name"
        }

        init(from decoder: any Decoder) throws {
            if let flag = try? decoder.singleValueContainer().decode(Bool.self) {
                self = .enabled(flag)
                return
            }
            let container = try decoder.container(keyedBy: CodingKeys.self)
            self = .settings(HubTLSConfiguration(
                caFile: try container.decodeIfPresent(String.self, forKey: .caFile),
                certificateFile: try container.decodeIfPresent(String.self, forKey: .certFile),
                keyFile: try container.decodeIfPresent(String.self, forKey: .keyFile),
                serverName: try container.decodeIfPresent(String.self, forKey: .serverName)
            ))
        }
    }

    struct Limits: Decodable {
        var allowedAssets: [String]?
        var maxQuantity: [String: String]?
        var maxNotional: String?
        var minPrice: [String: String]?

        enum CodingKeys: String, CodingKey {
            case allowedAssets = "allowed_assets", maxQuantity = "max_quantity", maxNotional = "max_notional", minPrice = "min_price"
        }
    }

    struct Paper: Decodable {
        var quoteAsset: String?
        var feeRate: String?
        var balances: [String: String]?
        var prices: [String: String]?
        var randomWalk: String?
        var randomSeed: UInt64?
        var latencyMs: Int?

        enum CodingKeys: String, CodingKey {
            case quoteAsset = "quote_asset", feeRate = "fee_rate", balances, prices, randomWalk = "random_walk", randomSeed = "random_seed"
            case latencyMs = "latency_ms"
        }
    }

    var agentID: String?
    var name: String?
    var hub: String?
    var token: String?
    var tls: TLS?
    var labels: [String: String]?
    var syncIntervalSeconds: Double?
    var initialBackoffSeconds: Double?
    var maxBackoffSeconds: Double?
    var maxInFlight: Int?
    var statePath: String?
    var finishedRetentionHours: Double?
    var exchange: String?
    var paper: Paper?
    var limits: Limits?

    enum CodingKeys: String, CodingKey {
        case agentID = "agent_id", name, hub, token, tls, labels, syncIntervalSeconds = "sync_interval_seconds"
        case initialBackoffSeconds = "initial_backoff_seconds", maxBackoffSeconds = "max_backoff_seconds"
        case maxInFlight = "max_in_flight", statePath = "state_path", finishedRetentionHours = "finished_retention_hours", exchange, paper, limits
    }
}
