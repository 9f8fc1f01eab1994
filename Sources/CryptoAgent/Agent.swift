import Foundation
import Logging
import ServiceLifecycle

/// A running crypto agent: its link to the hub and its periodic wallet sync, as one lifecycle
/// `Service`. On graceful shutdown (SIGTERM) the link closes its stream and `run` returns.
public final class Agent: Service, Sendable {
    public let configuration: AgentConfiguration
    public let agentID: UUID
    public let state: AgentState
    public let exchange: any ExchangeConnector
    public let handler: CommandHandler
    public let link: HubLink
    let syncer: WalletSyncer

    public init(
        configuration: AgentConfiguration,
        agentID: UUID,
        exchange: any ExchangeConnector,
        finished: any FinishedCommandStore,
        logger: Logger = Logger(label: "crypto-agent")
    ) {
        self.configuration = configuration
        self.agentID = agentID
        self.state = AgentState()
        self.exchange = exchange
        self.handler = CommandHandler(state: self.state, exchange: exchange, finished: finished, logger: logger)
        self.link = HubLink(configuration: configuration, agentID: agentID, handler: self.handler, state: self.state, logger: logger)
        self.syncer = WalletSyncer(interval: configuration.syncInterval, state: self.state, exchange: exchange, link: self.link, logger: logger)
    }

    /// Runs until graceful shutdown (returns normally) or a fatal refusal such as a revoked
    /// credential (throws `AgentError`).
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.link.run() }
                    group.addTask { try await self.syncer.run() }
                    defer { group.cancelAll() }
                    try await group.next()
                }
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // The cancellation is the shutdown we were asked for: a clean exit.
        }
    }
}
