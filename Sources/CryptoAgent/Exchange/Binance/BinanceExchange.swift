import AsyncHTTPClient
import Foundation
import Logging
import NIOHTTP1
import Synchronization
import Wire

/// The Binance Spot connector (and of the venues that clone its REST API): balances from the
/// account, previews from the symbol filters, the bid and the account's commission, and market
/// sells that execute exactly once (`BinanceExchange+Execution`).
///
/// Contract: every call is safe concurrently; amounts are `Decimal` end to end; secrets never
/// leave `BinanceClient` (no log line, error or status carries them). Time — timestamps, the
/// exchange-clock estimate, lookup backoff — comes from the injected `BinanceTime`.
public final class BinanceExchange: ExchangeConnector {
    let configuration: BinanceConfiguration
    let client: BinanceClient
    let info: BinanceExchangeInfo
    let journal: any BinanceOrderJournal
    let time: any BinanceTime
    let logger: Logger
    /// Client order ids being executed in this process right now.
    let executing = Mutex<Set<String>>([])

    package init(
        configuration: BinanceConfiguration, credentials: BinanceCredentials, journal: any BinanceOrderJournal,
        time: any BinanceTime = SystemBinanceTime(), http: HTTPClient = .shared, logger: Logger = Logger(label: "crypto-agent.binance")
    ) {
        self.configuration = configuration
        self.client = BinanceClient(configuration: configuration, credentials: credentials, time: time, http: http)
        self.info = BinanceExchangeInfo(client: self.client, configuration: configuration, time: time)
        self.journal = journal
        self.time = time
        self.logger = logger
    }

    /// The connector as the agent starts it: keys read (key files must be private), the order
    /// journal in the agent's state file, the clock measured, and the keys proven with a signed
    /// `GET /api/v3/account` — a wrong key or secret fails here, in one line, not at the first sell.
    public static func connect(
        configuration: BinanceConfiguration, store: AgentStore, logger: Logger = Logger(label: "crypto-agent.binance")
    ) async throws(AgentError) -> BinanceExchange {
        let exchange = BinanceExchange(
            configuration: configuration, credentials: try BinanceCredentials.load(configuration),
            journal: SQLiteBinanceOrderJournal(store: store), logger: logger
        )
        try await exchange.verify()
        return exchange
    }

    /// Measures the clock and proves the keys with a signed account read.
    package func verify() async throws(AgentError) {
        do {
            try await self.client.syncClock()
            let _: BinanceModels.Account = try await self.client.call(
                .GET, "/api/v3/account", [("omitZeroBalances", "true")], signed: true, weight: 20)
        } catch {
            throw Self.startFailure(error, url: self.configuration.baseURL)
        }
    }

    public var name: String { "binance" }
    public var quoteAsset: String { self.configuration.quoteAsset }

    public func balances(symbols: [String]) async throws(AgentError) -> [WalletBalance] {
        let account = try await self.account()
        var wallets: [String: WalletBalance] = [:]
        for balance in account.balances {
            wallets[balance.asset] = WalletBalance(asset: balance.asset, free: balance.free.value, locked: balance.locked.value)
        }
        if symbols.isEmpty { return wallets.values.sorted { $0.asset < $1.asset } }
        return symbols.map { wallets[$0] ?? WalletBalance(asset: $0, free: 0) }
    }

    /// The best bid of the asset's symbol: what a market sell gets first.
    public func price(of asset: String) async throws(AgentError) -> Decimal {
        let rules = try await self.info.rules(for: asset)
        return try await self.bid(rules.symbol)
    }

    public func previewSell(_ request: SellRequest) async throws(AgentError) -> SellPreview {
        let rules = try await self.info.rules(for: request.asset)
        let account = try await self.account()
        let bid = try await self.bid(rules.symbol)
        let feeRate = try await self.info.feeRate(symbol: rules.symbol, account: account)
        let available = account.balances.first { $0.asset == request.asset }?.free.value ?? 0
        return Self.preview(request, rules: rules, bid: bid, feeRate: feeRate, available: available)
    }

    /// The preview of `request`: the quantity rounded down to the lot steps, priced at the bid;
    /// every filter hit named, plus `no_bid`, `insufficient_balance` and `min_price`. Gross =
    /// quantity × bid (half-even at 10 places), fee = gross × rate rounded up, net = gross − fee.
    static func preview(_ request: SellRequest, rules: BinanceSymbolRules, bid: Decimal, feeRate: Decimal, available: Decimal)
        -> SellPreview
    {
        let (quantity, hits) = rules.check(quantity: request.quantity, price: bid)
        var limits = hits
        if bid <= 0 { limits.append("no_bid") }
        if quantity > available { limits.append("insufficient_balance") }
        if let minimum = request.minPrice, bid < minimum { limits.append("min_price") }
        let gross = DecimalText.round(quantity * bid, scale: DecimalText.scale, mode: .bankers)
        let fee = DecimalText.round(gross * feeRate, scale: DecimalText.scale, mode: .up)
        return SellPreview(
            asset: request.asset, quoteAsset: rules.quoteAsset, quantity: quantity, price: bid, gross: gross, fee: fee,
            net: gross - fee, feeRate: feeRate, available: available, limitsHit: limits
        )
    }

    func account() async throws(AgentError) -> BinanceModels.Account {
        do {
            return try await self.client.call(.GET, "/api/v3/account", [("omitZeroBalances", "true")], signed: true, weight: 20)
        } catch {
            throw error.agentError
        }
    }

    func bid(_ symbol: String) async throws(AgentError) -> Decimal {
        do {
            let ticker: BinanceModels.BookTicker = try await self.client.call(
                .GET, "/api/v3/ticker/bookTicker", [("symbol", symbol)], weight: 2)
            return ticker.bidPrice.value
        } catch {
            throw error.agentError
        }
    }

    /// A start-up failure as one line: what was refused, at which endpoint.
    static func startFailure(_ failure: BinanceFailure, url: String) -> AgentError {
        switch failure.agentError {
        case .exchangeRejected(let code, let why) where code == "invalid_signature" || code == "api_key_rejected":
            .configuration("binance at \(url) refused the keys: \(why)")
        case let other: .exchange("binance at \(url) is not usable: \(other.description)")
        }
    }
}
