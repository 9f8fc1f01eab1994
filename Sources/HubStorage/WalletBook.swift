import Foundation
import GRDB
import HubCore
import Synchronization
import Wire

/// The last balances each agent reported, with their sync time, as they come through the
/// `WalletSink` door: `sync_wallets` answers (a partial sync updates the listed assets, a full
/// one replaces them all) and the agents' `WalletSnapshot`s. Kept in memory for reads, persisted through the store's
/// writer so an offline agent's last wallets survive a hub restart.
package final class WalletBook: WalletSink {
    package struct Wallets: Sendable, Equatable {
        package var balances: [Commandhub_V1_Balance]
        package var syncedAt: Date
        /// `sync_wallets` or `snapshot`.
        package var source: String

        package init(
            balances: [Commandhub_V1_Balance],
            syncedAt: Date,
            source: String
        ) {
            self.balances = balances
            self.syncedAt = syncedAt
            self.source = source
        }
    }

    private let book = Mutex<[UUID: Wallets]>([:])
    package let writer: StoreWriter?

    package init(writer: StoreWriter?) {
        self.writer = writer
    }

    package func wallets(of agentID: UUID) -> Wallets? {
        self.book.withLock { $0[agentID] }
    }

    package func record(_ balances: [Commandhub_V1_Balance], of agentID: UUID, syncedAt: Date, complete: Bool, source: WalletSource) {
        let merged = self.book.withLock { book -> Wallets in
            var byAsset: [String: Commandhub_V1_Balance] = [:]
            if !complete, let existing = book[agentID] {
                for balance in existing.balances { byAsset[balance.asset] = balance }
            }
            for balance in balances { byAsset[balance.asset] = balance }
            let wallets = Wallets(balances: byAsset.values.sorted { $0.asset < $1.asset }, syncedAt: syncedAt, source: source.rawValue)
            book[agentID] = wallets
            return wallets
        }
        self.writer?.append(.walletsRecorded(agentID, merged))
    }

    /// Restores the persisted wallets (the store's `storedWallets()`).
    package func load(_ book: [UUID: Wallets]) {
        self.book.withLock { $0 = book }
    }
}
