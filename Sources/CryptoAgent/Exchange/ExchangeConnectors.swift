import Logging

/// The exchange connector a configuration names, opened over the agent's state file.
public enum ExchangeConnectors {
    /// `paper`: the simulator's ledger in `store`. `binance`: the keys read and proven against
    /// the exchange (a wrong key or secret fails here, in one line), the order journal in `store`.
    public static func open(
        _ configuration: AgentConfiguration, store: AgentStore, logger: Logger = Logger(label: "crypto-agent")
    ) async throws(AgentError) -> any ExchangeConnector {
        switch configuration.exchange {
        case "binance": try await BinanceExchange.connect(configuration: configuration.binance, store: store, logger: logger)
        default: try PaperExchange(configuration: configuration.paper, store: store)
        }
    }
}
