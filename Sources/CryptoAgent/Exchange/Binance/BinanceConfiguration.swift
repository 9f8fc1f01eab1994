import DaemonSupport
import Foundation

/// The Binance Spot connector's settings (`"exchange": "binance"` and the `binance` block).
///
/// Only paths and values live here; the key files are read, and their permissions checked, when
/// the connector starts (`BinanceCredentials.load`). The secrets themselves, when they come from
/// the environment, are `SecretText` and never printed.
public struct BinanceConfiguration: Sendable, Equatable {
    /// The REST endpoint: Binance, its spot testnet (`https://testnet.binance.vision`), or any
    /// venue that speaks the same API.
    public var baseURL: String = "https://api.binance.com"
    /// Files holding the API key and the secret key (one line each, mode 0600 or stricter).
    public var apiKeyFile: String?
    public var secretKeyFile: String?
    /// The keys themselves (`CRYPTO_AGENT_BINANCE_API_KEY`, `CRYPTO_AGENT_BINANCE_SECRET_KEY`).
    public var apiKey: SecretText?
    public var secretKey: SecretText?
    /// The currency sells are paid in.
    public var quoteAsset: String = "USDT"
    /// Asset → symbol overrides; by default an asset trades as asset + quote (`BTC` → `BTCUSDT`).
    public var symbols: [String: String] = [:]
    /// How long a signed request stays valid at the exchange, in milliseconds (≤ 60000).
    public var recvWindowMs: Int = 5000
    /// Bound on one HTTP request; past it the outcome of an order is unknown.
    public var requestTimeout: Duration = .seconds(15)
    /// How long the symbol rules from `exchangeInfo` (and commission rates) are reused.
    public var exchangeInfoTTL: Duration = .seconds(300)
    /// How often the offset to the exchange's clock is measured again.
    public var clockRefreshInterval: Duration = .seconds(300)
    /// How long an order whose outcome is unknown is looked up before the answer is
    /// `outcome_unknown` (the hub's reconciliation asks again later).
    public var outcomeLookupBudget: Duration = .seconds(30)

    public init() {}

    /// The `binance.*` keys, documented with the agent's others.
    static let keys: [ConfigurationKey] = [
        ConfigurationKey("binance.base_url", "binance: REST endpoint (https://api.binance.com; try https://testnet.binance.vision first)"),
        ConfigurationKey("binance.api_key_file", "binance: file holding the API key; must not be readable by group or others"),
        ConfigurationKey("binance.secret_key_file", "binance: file holding the secret key; must not be readable by group or others"),
        ConfigurationKey("binance.api_key", "binance: the API key itself, instead of a file", secret: true),
        ConfigurationKey("binance.secret_key", "binance: the secret key itself, instead of a file", secret: true),
        ConfigurationKey("binance.quote_asset", "binance: the currency sells are paid in (USDT)"),
        ConfigurationKey("binance.symbols", "binance: asset → symbol overrides, a map (default: asset + quote, e.g. BTCUSDT)"),
        ConfigurationKey("binance.recv_window_ms", "binance: validity of a signed request at the exchange, 1...60000 ms (5000)"),
        ConfigurationKey("binance.request_timeout_seconds", "binance: bound on one HTTP request (15)"),
        ConfigurationKey("binance.exchange_info_ttl_seconds", "binance: how long symbol filters and commission rates are cached (300)"),
        ConfigurationKey("binance.clock_refresh_seconds", "binance: how often the exchange clock offset is measured again (300)"),
        ConfigurationKey(
            "binance.outcome_lookup_seconds", "binance: how long an order of unknown outcome is looked up before outcome_unknown (30)"),
    ]

    /// Applies the `binance.*` keys.
    mutating func read(_ values: ConfigValues) throws(ConfigurationError) {
        self.baseURL = try values.string("binance.base_url") ?? self.baseURL
        self.apiKeyFile = try values.string("binance.api_key_file") ?? self.apiKeyFile
        self.secretKeyFile = try values.string("binance.secret_key_file") ?? self.secretKeyFile
        self.apiKey = try values.string("binance.api_key", secret: true).map(SecretText.init) ?? self.apiKey
        self.secretKey = try values.string("binance.secret_key", secret: true).map(SecretText.init) ?? self.secretKey
        if let quote = try values.string("binance.quote_asset") { self.quoteAsset = quote.uppercased() }
        if let symbols = try values.map("binance.symbols") {
            self.symbols = Dictionary(symbols.map { ($0.key.uppercased(), $0.value.uppercased()) }, uniquingKeysWith: { $1 })
        }
        self.recvWindowMs = try values.int("binance.recv_window_ms") ?? self.recvWindowMs
        self.requestTimeout = try values.seconds("binance.request_timeout_seconds", maximum: 300) ?? self.requestTimeout
        self.exchangeInfoTTL = try values.seconds("binance.exchange_info_ttl_seconds") ?? self.exchangeInfoTTL
        self.clockRefreshInterval = try values.seconds("binance.clock_refresh_seconds") ?? self.clockRefreshInterval
        self.outcomeLookupBudget = try values.seconds("binance.outcome_lookup_seconds", maximum: 3600) ?? self.outcomeLookupBudget
    }

    /// Checks the values; the message names the key.
    func validate() throws(AgentError) {
        guard let url = URL(string: self.baseURL), let scheme = url.scheme?.lowercased(), ["https", "http"].contains(scheme),
            url.host?.isEmpty == false
        else { throw .configuration("binance.base_url must be an http(s) URL, got \"\(self.baseURL.prefix(100))\"") }
        guard (1...60_000).contains(self.recvWindowMs) else { throw .configuration("binance.recv_window_ms must be 1...60000") }
        guard !self.quoteAsset.isEmpty else { throw .configuration("binance.quote_asset must not be empty") }
        for (name, value, file) in [("api_key", self.apiKey, self.apiKeyFile), ("secret_key", self.secretKey, self.secretKeyFile)] {
            switch (value, file) {
            case (nil, nil): throw .configuration("binance.\(name)_file (or binance.\(name)) must be set for the binance exchange")
            case (.some, .some): throw .configuration("binance.\(name) and binance.\(name)_file are both set; keep one")
            case (.some(let secret), nil) where secret.value.isEmpty: throw .configuration("binance.\(name) must not be empty")
            default: break
            }
        }
    }
}
