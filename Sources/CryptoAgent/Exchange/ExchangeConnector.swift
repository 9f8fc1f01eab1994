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

/// The agent's view of an exchange. `PaperExchange` is the built-in one; a real connector
/// implements the same calls against the exchange's API.
///
/// Contract: every call is safe to make concurrently; amounts are `Decimal`, never floating
/// point; failures are `AgentError`s whose `code` the ack carries.
public protocol ExchangeConnector: Sendable {
    /// The exchange's name as the agent reports it in `Hello` ("paper", "binance", …).
    var name: String { get }

    /// Balances of the given assets (all wallets when `symbols` is empty). Unknown assets
    /// are reported with zero balances.
    func balances(symbols: [String]) async throws(AgentError) -> [WalletBalance]
}
