import Foundation
import Wire

/// Where the balances agents report go: the one door for both ways they arrive — a
/// `WalletSnapshot` on the stream (the link) and the answer to a `sync_wallets` command
/// (`WalletSyncResults`, a sink of the dispatcher). The store's `WalletBook` is behind it.
package protocol WalletSink: Sendable {
    /// Records balances an agent reported at `syncedAt`. `complete` means they are all of its
    /// wallets (they replace the ones known); otherwise only the listed assets change.
    func record(_ balances: [Commandhub_V1_Balance], of agentID: UUID, syncedAt: Date, complete: Bool, source: WalletSource)
}

/// How balances reached the hub.
package enum WalletSource: String, Sendable {
    case syncWallets = "sync_wallets"
    case snapshot
}
