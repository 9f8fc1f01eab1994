import Foundation
import Synchronization

/// The embedded simulated exchange: wallets and prices from the agent's config.
public final class PaperExchange: ExchangeConnector {
    private let configuration: PaperExchangeConfiguration
    private let wallets: Mutex<[String: WalletBalance]>

    public init(configuration: PaperExchangeConfiguration) {
        self.configuration = configuration
        var wallets: [String: WalletBalance] = [:]
        for (asset, amount) in configuration.balances { wallets[asset] = WalletBalance(asset: asset, free: amount) }
        self.wallets = Mutex(wallets)
    }

    public var name: String { "paper" }

    public func balances(symbols: [String]) async throws(AgentError) -> [WalletBalance] {
        self.wallets.withLock { wallets in
            if symbols.isEmpty { return wallets.values.sorted { $0.asset < $1.asset } }
            return symbols.map { wallets[$0] ?? WalletBalance(asset: $0, free: 0) }
        }
    }
}
