import Foundation
import NIOHTTP1
import Synchronization

/// The symbol rules from `GET /api/v3/exchangeInfo` and the commission rates from
/// `GET /api/v3/account/commission`, fetched per symbol and reused for `ttl`.
///
/// An asset trades as the configured override or as asset + quote (`BTC` → `BTCUSDT`); the
/// symbol must be `TRADING` with that base and quote, else the asset is not sellable here.
package final class BinanceExchangeInfo: Sendable {
    private struct Entry<Value: Sendable>: Sendable {
        var value: Value
        var fetchedAt: Int64
    }

    private let client: BinanceClient
    private let quoteAsset: String
    private let overrides: [String: String]
    private let ttlMs: Int64
    private let time: any BinanceTime
    private let rules = Mutex<[String: Entry<BinanceSymbolRules>]>([:])
    private let commissions = Mutex<[String: Entry<Decimal>]>([:])

    package init(client: BinanceClient, configuration: BinanceConfiguration, time: any BinanceTime) {
        self.client = client
        self.quoteAsset = configuration.quoteAsset
        self.overrides = configuration.symbols
        self.ttlMs = configuration.exchangeInfoTTL.components.seconds * 1000
        self.time = time
    }

    /// The symbol `asset` is sold on.
    package func symbol(for asset: String) -> String {
        self.overrides[asset] ?? asset + self.quoteAsset
    }

    /// The rules of the symbol `asset` sells on (weight 20 when not cached).
    package func rules(for asset: String) async throws(AgentError) -> BinanceSymbolRules {
        guard asset != self.quoteAsset else { throw .unsupported("selling the quote asset \(asset)") }
        let symbol = self.symbol(for: asset)
        let now = self.time.nowMilliseconds()
        if let cached = self.rules.withLock({ $0[symbol] }), now - cached.fetchedAt < self.ttlMs { return cached.value }
        let info: BinanceModels.ExchangeInfo
        do {
            info = try await self.client.call(.GET, "/api/v3/exchangeInfo", [("symbol", symbol)], weight: 20)
        } catch .rejected(-1121, _, _) {
            throw .unknownAsset(asset)
        } catch {
            throw error.agentError
        }
        if let limit = info.rateLimits?.first(where: {
            $0.rateLimitType == "REQUEST_WEIGHT" && $0.interval == "MINUTE" && $0.intervalNum == 1
        }) {
            self.client.limiter.setLimit(limit.limit)
        }
        guard let entry = info.symbols.first(where: { $0.symbol == symbol }) else { throw .unknownAsset(asset) }
        let rules = try BinanceSymbolRules(entry, asset: asset, quote: self.quoteAsset)
        self.rules.withLock { $0[symbol] = Entry(value: rules, fetchedAt: now) }
        return rules
    }

    /// The fee rate of a market sell on `symbol`: taker + seller of the standard commission,
    /// plus the tax and special commissions when there are any (`/api/v3/account/commission`,
    /// weight 20); an exchange without that endpoint falls back to the account's
    /// `commissionRates` (taker + seller).
    package func feeRate(symbol: String, account: BinanceModels.Account) async throws(AgentError) -> Decimal {
        let now = self.time.nowMilliseconds()
        if let cached = self.commissions.withLock({ $0[symbol] }), now - cached.fetchedAt < self.ttlMs { return cached.value }
        let rate: Decimal
        do {
            let commission: BinanceModels.Commission = try await self.client.call(
                .GET, "/api/v3/account/commission", [("symbol", symbol)], signed: true, weight: 20
            )
            rate =
                commission.standardCommission.marketSell + (commission.taxCommission?.marketSell ?? 0)
                + (commission.specialCommission?.marketSell ?? 0)
        } catch .rejected {
            guard let rates = account.commissionRates else { throw .exchange("no commission rates for \(symbol)") }
            rate = rates.marketSell
        } catch {
            throw error.agentError
        }
        self.commissions.withLock { $0[symbol] = Entry(value: rate, fetchedAt: now) }
        return rate
    }
}
