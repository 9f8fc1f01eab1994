import Foundation

/// One wallet on the exchange: what is free to trade and what is held by open orders.
public struct WalletBalance: Sendable, Equatable {
    public var asset: String
    public var free: Decimal
    public var locked: Decimal

    public init(asset: String, free: Decimal, locked: Decimal = 0) {
        self.asset = asset
        self.free = free
        self.locked = locked
    }
}

/// A sell as asked for: an asset, a quantity, an optional floor price.
public struct SellRequest: Sendable, Equatable {
    public var asset: String
    public var quantity: Decimal
    /// Refuse (execute) or flag (preview) when the price is below this.
    public var minPrice: Decimal?

    public init(asset: String, quantity: Decimal, minPrice: Decimal? = nil) {
        self.asset = asset
        self.quantity = quantity
        self.minPrice = minPrice
    }
}

/// What a sell would do at the current price, before it is executed.
public struct SellPreview: Sendable, Equatable {
    public var asset: String
    public var quoteAsset: String
    public var quantity: Decimal
    public var price: Decimal
    public var gross: Decimal
    public var fee: Decimal
    public var net: Decimal
    public var feeRate: Decimal
    /// The free balance of the asset now.
    public var available: Decimal
    /// Limits executing it would hit (`insufficient_balance`, `min_price`, `max_quantity`, …).
    public var limitsHit: [String]
}

/// An executed sell: what the exchange executed, which may be less than asked (a partial fill).
public struct SellFill: Sendable, Equatable {
    public var orderID: String
    public var clientOrderID: String
    public var asset: String
    public var quoteAsset: String
    /// The quantity executed.
    public var quantity: Decimal
    /// The average price: gross / quantity.
    public var price: Decimal
    public var gross: Decimal
    /// The commission, in `feeAsset`.
    public var fee: Decimal
    /// What the quote wallet received: gross less the commissions paid in the quote asset.
    public var net: Decimal
    public var executedAt: Date
    /// The asset the commission was paid in when it is not the quote asset (Binance may charge
    /// BNB); nil: the quote asset.
    public var feeAsset: String? = nil
    /// Commissions in other assets besides `fee` (when an order paid in two assets).
    public var additionalFees: [String: Decimal] = [:]
    /// The quantity asked for, when less was executed; nil: all of it.
    public var requestedQuantity: Decimal? = nil
    /// The exchange's final order status when it is not simply filled (`EXPIRED`: the rest found
    /// no liquidity).
    public var exchangeStatus: String? = nil
}

/// The agent's view of an exchange. `PaperExchange` is the built-in one; a real connector
/// implements the same calls against the exchange's API.
///
/// Contract: every call is safe to make concurrently; amounts are `Decimal`, never floating
/// point; failures are `AgentError`s whose `code` the ack carries. `executeSell` is idempotent on
/// `clientOrderID`: a second call with the same id returns the first fill and trades nothing —
/// the last line of defence against executing a sell twice.
public protocol ExchangeConnector: Sendable {
    /// The exchange's name as the agent reports it in `Hello` ("paper", "binance", …).
    var name: String { get }

    /// The currency sells are paid in.
    var quoteAsset: String { get }

    /// Balances of the given assets (all wallets when `symbols` is empty). Unknown assets
    /// are reported with zero balances.
    func balances(symbols: [String]) async throws(AgentError) -> [WalletBalance]

    /// The current price of one unit of `asset` in the quote asset.
    func price(of asset: String) async throws(AgentError) -> Decimal

    /// What selling would do now; never trades.
    func previewSell(_ request: SellRequest) async throws(AgentError) -> SellPreview

    /// Sells, or returns the existing fill when `clientOrderID` was already executed.
    func executeSell(_ request: SellRequest, clientOrderID: String) async throws(AgentError) -> SellFill

    /// The fill of an order placed with `clientOrderID`, if there is one.
    func order(clientOrderID: String) async throws(AgentError) -> SellFill?
}
