import Foundation
import Wire

/// What the exchange accepts for market orders on one symbol, from its `exchangeInfo` filters,
/// and the check of a quantity against them.
///
/// The quantity is rounded down to `LOT_SIZE.stepSize` (and to `MARKET_LOT_SIZE.stepSize` when
/// that step is above 0) and checked against `minQty`/`maxQty`; the notional at the bid against
/// `MIN_NOTIONAL` (when `applyToMarket`) and `NOTIONAL` (`applyMinToMarket`, `applyMaxToMarket`).
/// Each filter hit is named: `lot_size_step`, `lot_size_min_qty`, `lot_size_max_qty`, the same
/// with `market_lot_size_`, `min_notional`, `notional_min`, `notional_max`.
package struct BinanceSymbolRules: Sendable, Equatable {
    package struct Lot: Sendable, Equatable {
        package var minQty: Decimal
        package var maxQty: Decimal
        package var stepSize: Decimal
    }

    package var symbol: String
    package var baseAsset: String
    package var quoteAsset: String
    package var lotSize: Lot?
    package var marketLotSize: Lot?
    /// `MIN_NOTIONAL`'s minimum when it applies to market orders.
    package var minNotional: Decimal?
    /// `NOTIONAL`'s bounds that apply to market orders.
    package var notionalMin: Decimal?
    package var notionalMax: Decimal?

    package init(symbol: String, baseAsset: String, quoteAsset: String) {
        self.symbol = symbol
        self.baseAsset = baseAsset
        self.quoteAsset = quoteAsset
    }

    /// The rules of `symbol`, which must be `TRADING` with base `asset` and quote `quote`.
    init(_ symbol: BinanceModels.Symbol, asset: String, quote: String) throws(AgentError) {
        guard symbol.baseAsset == asset, symbol.quoteAsset == quote else {
            throw .unsupported("\(symbol.symbol) trades \(symbol.baseAsset) for \(symbol.quoteAsset), not \(asset) for \(quote)")
        }
        guard symbol.status == "TRADING" else {
            throw .exchangeRejected(code: "symbol_not_trading", "\(symbol.symbol) is \(symbol.status)")
        }
        self.init(symbol: symbol.symbol, baseAsset: symbol.baseAsset, quoteAsset: symbol.quoteAsset)
        for filter in symbol.filters {
            switch filter.filterType {
            case "LOT_SIZE": self.lotSize = Self.lot(filter)
            case "MARKET_LOT_SIZE": self.marketLotSize = Self.lot(filter)
            case "MIN_NOTIONAL" where filter.applyToMarket ?? true: self.minNotional = filter.minNotional?.value
            case "NOTIONAL":
                if filter.applyMinToMarket ?? false { self.notionalMin = filter.minNotional?.value }
                if filter.applyMaxToMarket ?? false { self.notionalMax = filter.maxNotional?.value }
            default: break
            }
        }
    }

    private static func lot(_ filter: BinanceModels.Filter) -> Lot {
        Lot(minQty: filter.minQty?.value ?? 0, maxQty: filter.maxQty?.value ?? 0, stepSize: filter.stepSize?.value ?? 0)
    }

    /// `quantity` rounded down to the steps, and the filters the order would hit at `price`.
    package func check(quantity: Decimal, price: Decimal) -> (quantity: Decimal, hits: [String]) {
        var rounded = quantity
        var hits: [String] = []
        for (lot, name) in [(self.lotSize, "lot_size"), (self.marketLotSize, "market_lot_size")] {
            guard let lot else { continue }
            if lot.stepSize > 0 {
                let stepped = Self.roundDown(rounded, step: lot.stepSize)
                if stepped != rounded { hits.append("\(name)_step") }
                rounded = stepped
            }
            if rounded < lot.minQty { hits.append("\(name)_min_qty") }
            if lot.maxQty > 0, rounded > lot.maxQty { hits.append("\(name)_max_qty") }
        }
        let notional = rounded * price
        if let minimum = self.minNotional, notional < minimum { hits.append("min_notional") }
        if let minimum = self.notionalMin, notional < minimum { hits.append("notional_min") }
        if let maximum = self.notionalMax, notional > maximum { hits.append("notional_max") }
        return (rounded, hits)
    }

    /// The largest multiple of `step` not above `value` (both non-negative).
    static func roundDown(_ value: Decimal, step: Decimal) -> Decimal {
        var steps = value / step
        var whole = Decimal()
        NSDecimalRound(&whole, &steps, 0, .down)
        return whole * step
    }
}
