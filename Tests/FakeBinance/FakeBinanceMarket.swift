import Foundation

/// What the fake exchange lists: one symbol's status, filters and book, as the test sets them.
public struct FakeSymbol: Sendable {
    public struct Lot: Sendable {
        public var minQty: Decimal
        public var maxQty: Decimal
        public var stepSize: Decimal

        public init(minQty: Decimal, maxQty: Decimal, stepSize: Decimal) {
            self.minQty = minQty
            self.maxQty = maxQty
            self.stepSize = stepSize
        }
    }

    public var symbol: String
    public var baseAsset: String
    public var quoteAsset: String
    public var status = "TRADING"
    public var lotSize = Lot(minQty: Decimal(string: "0.00001")!, maxQty: 9000, stepSize: Decimal(string: "0.00001")!)
    public var marketLotSize: Lot?
    /// `NOTIONAL` with `applyMinToMarket`.
    public var minNotional: Decimal? = 5
    /// `NOTIONAL` with `applyMaxToMarket`.
    public var maxNotional: Decimal?
    /// The best bid and the quantity resting there: a market sell fills at the bid up to that
    /// quantity and expires the rest (a thin book).
    public var bid: Decimal
    public var bidQuantity: Decimal = 1000

    public init(base: String, quote: String = "USDT", bid: Decimal) {
        self.symbol = base + quote
        self.baseAsset = base
        self.quoteAsset = quote
        self.bid = bid
    }
}

/// A fault the fake injects into the next order it is sent (`POST /api/v3/order`).
public enum FakeOrderFault: Sendable {
    /// Execute, then close the connection without answering.
    case dropConnectionAfterExecuting
    /// Close the connection without executing (nothing happened, but the client cannot know).
    case dropConnectionBeforeExecuting
    /// Execute, then answer with this HTTP status and, when given, a Binance error code
    /// (`503`, or `-1007` "execution status unknown").
    case failAfterExecuting(status: Int, code: Int?)
    /// Execute, then hold the answer until the fake stops (past any client timeout).
    case holdAfterExecuting
    /// Refuse without executing, as Binance does: HTTP 400 with this code and message.
    case reject(code: Int, message: String)
}
