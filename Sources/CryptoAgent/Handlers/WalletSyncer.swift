import Foundation
import Logging
import Wire

/// The periodic wallet sync: every `interval` while `ACTIVE`, read balances from the exchange
/// and push a `WalletSnapshot` to the hub. Skips while `PAUSED` (pause stops the sync).
public struct WalletSyncer: Sendable {
    let interval: Duration
    let state: AgentState
    let exchange: any ExchangeConnector
    let link: HubLink
    let logger: Logger

    public func run() async throws {
        while true {
            try await Task.sleep(for: self.interval)
            await self.syncOnce()
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
