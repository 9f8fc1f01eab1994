import Foundation
import Logging
import DaemonSupport
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
    /// The agent's SQLite file, when it has one.
    public let store: AgentStore?
    let syncer: WalletSyncer
    let logger: Logger

    public init(
        configuration: AgentConfiguration,
        agentID: UUID,
        exchange: any ExchangeConnector,
        finished: any FinishedCommandStore,
        store: AgentStore? = nil,
        logger: Logger = Logger(label: "crypto-agent")
    ) {
        self.configuration = configuration
        self.agentID = agentID
        self.state = AgentState()
        self.exchange = exchange
        self.store = store
        self.logger = logger
        self.handler = CommandHandler(
            state: self.state, exchange: exchange, finished: finished, limits: configuration.limits, logger: logger)
        self.link = HubLink(
            configuration: configuration, agentID: agentID, handler: self.handler, state: self.state, store: store, logger: logger
        )
        self.syncer = WalletSyncer(
            interval: configuration.syncInterval, state: self.state, exchange: exchange, link: self.link, logger: logger)
    }

    /// The agent as `crypto-agent run` builds it: its state file at `configuration.statePath`
    /// (created on first run; its identity kept there unless the configuration names one), its
    /// finished-command record and its exchange's ledger or order journal in that file.
    /// Throws `StoreError` for an unusable state file, `AgentError` for an unusable exchange.
    public static func open(configuration: AgentConfiguration, logger: Logger = Logger(label: "crypto-agent")) async throws -> Agent {
        let store = try AgentStore.open(path: configuration.statePath)
        let agentID = try store.identity(configured: configuration.agentID)
        return Agent(
            configuration: configuration, agentID: agentID,
            exchange: try await ExchangeConnectors.open(configuration, store: store, logger: logger),
            finished: SQLiteFinishedCommands(store: store, retention: configuration.finishedRetention),
            store: store, logger: logger
        )
    }

    /// Runs until graceful shutdown (returns normally) or a fatal refusal such as a revoked
    /// credential (throws `AgentError`).
    public func run() async throws {
        do {
            try await cancelWhenGracefulShutdown {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.link.run() }
                    group.addTask { try await self.syncer.run() }
                    group.addTask { try await self.pruneFinished() }
                    defer { group.cancelAll() }
                    try await group.next()
                }
            }
        } catch is CancellationError where Task.isShuttingDownGracefully {
            // The cancellation is the shutdown we were asked for: a clean exit.
        }
    }

    /// Forgets finished commands past the retention window, at start and then hourly.
    private func pruneFinished() async throws {
        while true {
            do {
                let pruned = try await self.handler.finished.prune(now: Date())
                if pruned > 0 { self.logger.info("pruned finished commands", metadata: ["count": "\(pruned)"]) }
            } catch {
                self.logger.warning("could not prune finished commands", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: .seconds(3600))
        }
    }
}
