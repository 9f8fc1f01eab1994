import Foundation
import Wire

/// The JSON Binance answers with, as far as the connector reads it. Amounts are decimal strings
/// and stay `Decimal` (`BinanceDecimal`); unknown fields are ignored.
package enum BinanceModels {
    package struct ServerTime: Decodable, Sendable {
        package var serverTime: Int64
    }

    package struct ErrorBody: Decodable, Sendable {
        package var code: Int
        package var msg: String
    }

    package struct ExchangeInfo: Decodable, Sendable {
        package var rateLimits: [RateLimit]?
        package var symbols: [Symbol]
    }

    package struct RateLimit: Decodable, Sendable {
        package var rateLimitType: String
        package var interval: String
        package var intervalNum: Int
        package var limit: Int
    }

    package struct Symbol: Decodable, Sendable {
        package var symbol: String
        package var status: String
        package var baseAsset: String
        package var quoteAsset: String
        package var filters: [Filter]
    }

    /// One entry of a symbol's `filters`; only the fields of the filters the connector applies.
    package struct Filter: Decodable, Sendable {
        package var filterType: String
        package var minQty: BinanceDecimal?
        package var maxQty: BinanceDecimal?
        package var stepSize: BinanceDecimal?
        package var minNotional: BinanceDecimal?
        package var maxNotional: BinanceDecimal?
        package var applyToMarket: Bool?
        package var applyMinToMarket: Bool?
        package var applyMaxToMarket: Bool?
    }

    package struct BookTicker: Decodable, Sendable {
        package var symbol: String
        package var bidPrice: BinanceDecimal
        package var bidQty: BinanceDecimal
    }

    package struct Account: Decodable, Sendable {
        package var commissionRates: Rates?
        package var balances: [Balance]
    }

    package struct Balance: Decodable, Sendable {
        package var asset: String
        package var free: BinanceDecimal
        package var locked: BinanceDecimal
    }

    package struct Rates: Decodable, Sendable {
        package var maker: BinanceDecimal?
        package var taker: BinanceDecimal?
        package var buyer: BinanceDecimal?
        package var seller: BinanceDecimal?

        /// What a market sell pays: taker + seller.
        package var marketSell: Decimal { (self.taker?.value ?? 0) + (self.seller?.value ?? 0) }
    }

    package struct Commission: Decodable, Sendable {
        package var standardCommission: Rates
        package var taxCommission: Rates?
        package var specialCommission: Rates?
    }

    /// An order as `POST /api/v3/order` (FULL) and `GET /api/v3/order` describe it.
    package struct Order: Decodable, Sendable {
        package var symbol: String
        package var orderId: Int64
        package var clientOrderId: String
        package var origQty: BinanceDecimal
        package var executedQty: BinanceDecimal
        package var cummulativeQuoteQty: BinanceDecimal
        package var status: String
        package var transactTime: Int64?
        package var updateTime: Int64?
        package var time: Int64?
        package var fills: [Fill]?
    }

    package struct Fill: Decodable, Sendable {
        package var price: BinanceDecimal
        package var qty: BinanceDecimal
        package var commission: BinanceDecimal
        package var commissionAsset: String
    }

    /// One of `GET /api/v3/myTrades`: the commission of an order found by a lookup.
    package struct Trade: Decodable, Sendable {
        package var orderId: Int64
        package var qty: BinanceDecimal
        package var quoteQty: BinanceDecimal
        package var commission: BinanceDecimal
        package var commissionAsset: String
    }
}

/// A decimal Binance writes as a string (`"0.00100000"`), parsed strictly, never through Double.
package struct BinanceDecimal: Decodable, Sendable, Equatable {
    package var value: Decimal

    package init(_ value: Decimal) {
        self.value = value
    }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = DecimalText.parse(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a decimal: \(text.prefix(40))"))
        }
        self.value = value
    }
}
