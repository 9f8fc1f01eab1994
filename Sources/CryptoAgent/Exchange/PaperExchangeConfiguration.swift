import Foundation
import Wire

/// The simulated exchange's starting wallets, prices and fee, from the agent's config.
public struct PaperExchangeConfiguration: Sendable, Equatable {
    /// The currency sells are paid in.
    public var quoteAsset: String = "USDT"
    /// Fee as a fraction of the gross (0.001 = 0.1 %).
    public var feeRate: Decimal = Decimal(string: "0.001")!
    /// Starting balances per asset, used when the ledger is created.
    public var balances: [String: Decimal] = [
        "BTC": Decimal(string: "1.5")!, "ETH": Decimal(string: "12.25")!, "USDT": Decimal(string: "25000")!,
    ]
    /// Price of one unit of each asset in the quote asset.
    public var prices: [String: Decimal] = [
        "BTC": Decimal(string: "43125.5")!, "ETH": Decimal(string: "2280.75")!, "USDT": Decimal(1),
    ]
    /// When set, prices move by a seeded random walk of at most this fraction per quote.
    public var randomWalk: Decimal?
    public var randomSeed: UInt64 = 42
    /// Simulated round trip to the exchange before balances, previews and executions answer
    /// (a real exchange takes milliseconds; fault tests use it to catch an agent mid-command).
    public var latency: Duration = .zero

    public init() {}

    func validate() throws(AgentError) {
        guard self.feeRate >= 0, self.feeRate < 1 else { throw .configuration("paper.fee_rate must be in [0, 1)") }
        for (asset, amount) in self.balances where amount < 0 {
            throw .configuration("paper.balances.\(asset) must not be negative")
        }
        for (asset, price) in self.prices where price <= 0 {
            throw .configuration("paper.prices.\(asset) must be positive")
        }
        if let walk = self.randomWalk, walk < 0 || walk >= 1 {
            throw .configuration("paper.random_walk must be in [0, 1)")
        }
    }
}
