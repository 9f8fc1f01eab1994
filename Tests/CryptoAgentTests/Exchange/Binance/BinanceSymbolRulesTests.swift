import Foundation
import Testing

@testable import CryptoAgent

@Suite("Binance symbol rules")
struct BinanceSymbolRulesTests {
    static func decimal(_ text: String) -> Decimal { Decimal(string: text)! }

    var rules: BinanceSymbolRules {
        var rules = BinanceSymbolRules(symbol: "BTCUSDT", baseAsset: "BTC", quoteAsset: "USDT")
        rules.lotSize = .init(minQty: Self.decimal("0.001"), maxQty: 100, stepSize: Self.decimal("0.001"))
        rules.marketLotSize = .init(minQty: Self.decimal("0.01"), maxQty: 5, stepSize: Self.decimal("0.01"))
        rules.notionalMin = 100
        rules.notionalMax = 50_000
        return rules
    }

    @Test(arguments: [
        ("0.25", "0.25", [String]()),
        ("0.123456", "0.12", ["lot_size_step", "market_lot_size_step"]),
        ("0.1234", "0.12", ["lot_size_step", "market_lot_size_step"]),
        ("0.125", "0.12", ["market_lot_size_step"]),
        ("0.001", "0", ["market_lot_size_step", "market_lot_size_min_qty", "notional_min"]),
        ("6", "6", ["market_lot_size_max_qty", "notional_max"]),
        ("0.002", "0", ["market_lot_size_step", "market_lot_size_min_qty", "notional_min"]),
    ])
    func quantitiesRoundDownToTheStepsAndEveryFilterHitIsNamed(requested: String, sellable: String, hits: [String]) {
        let checked = self.rules.check(quantity: Self.decimal(requested), price: 10_000)
        #expect(checked.quantity == Self.decimal(sellable))
        #expect(checked.hits == hits)
    }

    @Test func aMarketLotSizeWithoutAStepLeavesTheLotSizeStep() {
        var rules = self.rules
        rules.marketLotSize = .init(minQty: 0, maxQty: 0, stepSize: 0)
        let checked = rules.check(quantity: Self.decimal("0.1234"), price: 10_000)
        #expect(checked.quantity == Self.decimal("0.123"))
        #expect(checked.hits == ["lot_size_step"])
    }

    @Test func onlyNotionalFiltersThatApplyToMarketOrdersAreKept() throws {
        let json = #"""
            {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT", "filters": [
              {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
              {"filterType": "MIN_NOTIONAL", "minNotional": "10.00000000", "applyToMarket": false, "avgPriceMins": 5},
              {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": true, "maxNotional": "9000000.00000000",
               "applyMaxToMarket": false, "avgPriceMins": 5},
              {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000", "tickSize": "0.01000000"}
            ]}
            """#
        let symbol = try JSONDecoder().decode(BinanceModels.Symbol.self, from: Data(json.utf8))
        let rules = try BinanceSymbolRules(symbol, asset: "BTC", quote: "USDT")
        #expect(rules.minNotional == nil)
        #expect(rules.notionalMin == 5)
        #expect(rules.notionalMax == nil)
        #expect(rules.lotSize?.stepSize == Self.decimal("0.00001"))
        #expect(throws: AgentError.self) { try BinanceSymbolRules(symbol, asset: "ETH", quote: "USDT") }
    }
}
