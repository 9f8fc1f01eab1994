import Foundation
import Wire

/// Hands the balances of every successful `sync_wallets` answer to the wallets: a full sync
/// (no symbols) replaces what is known, a partial one updates the listed assets.
package struct WalletSyncResults: CommandSink {
    package let wallets: any WalletSink

    package init(
        wallets: any WalletSink
    ) {
        self.wallets = wallets
    }

    package func commandFinished(_ report: CommandReport) {
        guard case .syncWallets(let sync) = report.action, let ack = report.ack, ack.success,
            case .balances(let balances)? = ack.result
        else { return }
        self.wallets.record(
            balances.balances, of: report.agentID, syncedAt: WireTime.date(milliseconds: balances.syncedAtMs) ?? report.finishedAt,
            complete: sync.symbols.isEmpty, source: .syncWallets
        )
    }
}
