import Foundation
import Wire

/// The fake exchange's books: balances, orders and their trades, and what it counted. Pure
/// state and arithmetic, guarded by `FakeBinance`'s lock; every amount is `Decimal`.
struct FakeBinanceLedger: Sendable {
    struct Order: Sendable {
        var orderId: Int64
        var symbol: String
        var clientOrderId: String
        var origQty: Decimal
        var executedQty: Decimal
        var quoteQty: Decimal
        var status: String
        var time: Int64
        var price: Decimal
        var commission: Decimal
        var commissionAsset: String
        var tradeId: Int64
    }

    var balances: [String: (free: Decimal, locked: Decimal)] = [:]
    var symbols: [String: FakeSymbol] = [:]
    /// Standard commission rates: a market sell pays taker + seller.
    var taker: Decimal = Decimal(string: "0.001")!
    var seller: Decimal = 0
    /// When set, commissions are paid in BNB at this BNB price (in the quote asset), discounted.
    var bnbPrice: Decimal?
    var bnbDiscount: Decimal = Decimal(string: "0.75")!
    var orders: [Order] = []
    var nextOrderID: Int64 = 1000
    var nextTradeID: Int64 = 5000

    /// `POST /api/v3/order` requests that reached the order book's door, per client order id.
    var orderPosts: [String: Int] = [:]
    /// Orders executed per client order id.
    var executions: [String: Int] = [:]

    /// The latest order with `clientOrderId` on `symbol`.
    func order(symbol: String, clientOrderId: String) -> Order? {
        self.orders.last { $0.symbol == symbol && $0.clientOrderId == clientOrderId }
    }

    /// Checks a market sell against the symbol's filters and the balance; the Binance error if
    /// it would be refused (nothing executed).
    func refusal(symbol: FakeSymbol, quantity: Decimal) -> (code: Int, message: String)? {
        for (lot, name) in [(symbol.lotSize, "LOT_SIZE"), (symbol.marketLotSize, "MARKET_LOT_SIZE")] {
            guard let lot else { continue }
            var steps = (quantity - lot.minQty) / lot.stepSize
            var whole = Decimal()
            NSDecimalRound(&whole, &steps, 0, .down)
            if quantity < lot.minQty || quantity > lot.maxQty || (lot.stepSize > 0 && whole != steps) {
                return (-1013, "Filter failure: \(name)")
            }
        }
        let notional = quantity * symbol.bid
        if let minimum = symbol.minNotional, notional < minimum { return (-1013, "Filter failure: NOTIONAL") }
        if let maximum = symbol.maxNotional, notional > maximum { return (-1013, "Filter failure: NOTIONAL") }
        if (self.balances[symbol.baseAsset]?.free ?? 0) < quantity {
            return (-2010, "Account has insufficient balance for requested action.")
        }
        return nil
    }

    /// Executes a market sell at the bid, up to the quantity resting there; moves the balances.
    mutating func execute(symbol: FakeSymbol, quantity: Decimal, clientOrderId: String, at time: Int64) -> Order {
        let executed = min(quantity, symbol.bidQuantity)
        let gross = executed * symbol.bid
        var commission = Self.round(gross * (self.taker + self.seller))
        var commissionAsset = symbol.quoteAsset
        if let bnbPrice = self.bnbPrice {
            let inBNB = Self.round(commission * self.bnbDiscount / bnbPrice)
            if (self.balances["BNB"]?.free ?? 0) >= inBNB {
                commission = inBNB
                commissionAsset = "BNB"
            }
        }
        self.credit(symbol.baseAsset, -executed)
        self.credit(symbol.quoteAsset, gross - (commissionAsset == symbol.quoteAsset ? commission : 0))
        if commissionAsset == "BNB" { self.credit("BNB", -commission) }
        self.nextOrderID += 1
        self.nextTradeID += 1
        let order = Order(
            orderId: self.nextOrderID, symbol: symbol.symbol, clientOrderId: clientOrderId, origQty: quantity, executedQty: executed,
            quoteQty: gross, status: executed < quantity ? "EXPIRED" : "FILLED", time: time, price: symbol.bid,
            commission: executed > 0 ? commission : 0, commissionAsset: commissionAsset, tradeId: self.nextTradeID
        )
        self.orders.append(order)
        self.executions[clientOrderId, default: 0] += 1
        return order
    }

    mutating func credit(_ asset: String, _ amount: Decimal) {
        let current = self.balances[asset] ?? (0, 0)
        self.balances[asset] = (current.free + amount, current.locked)
    }

    /// Commissions are kept to 8 places, as Binance's commission precision.
    static func round(_ value: Decimal) -> Decimal {
        DecimalText.round(value, scale: 8, mode: .plain)
    }

    /// Binance's way of writing an amount: 8 decimal places.
    static func text(_ value: Decimal) -> String {
        let text = DecimalText.format(value, scale: 8)
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? String(parts[1]) : ""
        return String(parts[0]) + "." + fraction + String(repeating: "0", count: max(0, 8 - fraction.count))
    }
}
