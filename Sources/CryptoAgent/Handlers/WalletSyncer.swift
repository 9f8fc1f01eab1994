import Foundation
import Logging
import Wire

/// The wallet sync the agent does by itself: once as soon as the hub welcomes it (so the hub
/// shows its wallets from the moment it connects, not one interval later), then every
/// `interval` while `ACTIVE`; each reads balances from the exchange and pushes a
/// `WalletSnapshot` to the hub. Skips while `PAUSED` (pause stops the sync).
public struct WalletSyncer: Sendable {
    let interval: Duration
    let state: AgentState
    let exchange: any ExchangeConnector
    let link: HubLink
    let logger: Logger
    private let connects: AsyncStream<Void>
    private let connected: AsyncStream<Void>.Continuation

    init(interval: Duration, state: AgentState, exchange: any ExchangeConnector, link: HubLink, logger: Logger) {
        self.interval = interval
        self.state = state
        self.exchange = exchange
        self.link = link
        self.logger = logger
        (self.connects, self.connected) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let connected = self.connected
        link.observe { event in if event.isConnected { connected.yield() } }
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in self.connects { await self.syncOnce() }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: self.interval)
                    await self.syncOnce()
                }
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    /// One sync, if the status allows it. Returns the balances pushed, nil when skipped.
    @discardableResult
    public func syncOnce() async -> [WalletBalance]? {
        do { try self.state.beginSync(requested: false) } catch { return nil }
        do {
            let balances = try await self.exchange.balances(symbols: [])
            let syncedAt = Date()
            self.state.endSync(walletsSynced: balances.count, at: syncedAt)
            self.link.send(Self.snapshot(balances, at: syncedAt))
            return balances
        } catch {
            self.state.endSync(walletsSynced: nil)
            self.logger.warning("periodic wallet sync failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// The `WalletSnapshot` message for `balances` read at `date`.
    static func snapshot(_ balances: [WalletBalance], at date: Date) -> Commandhub_V1_AgentMessage {
        var snapshot = Commandhub_V1_WalletSnapshot()
        snapshot.balances = balances.map(CommandHandler.wire)
        snapshot.syncedAtMs = WireTime.milliseconds(date)
        var message = Commandhub_V1_AgentMessage()
        message.walletSnapshot = snapshot
        return message
    }
}
