import Foundation
import GRDB
import Synchronization
import Wire

/// The last balances each agent reported, with their sync time: from `sync_wallets` answers
/// (a partial sync updates the listed assets, a full one replaces them all) and from the
/// agents' periodic `WalletSnapshot`s. Kept in memory for reads, persisted through the store's
/// writer so an offline agent's last wallets survive a hub restart.
public final class WalletBook: Sendable {
    public struct Wallets: Sendable, Equatable {
        public var balances: [Commandhub_V1_Balance]
        public var syncedAt: Date
        /// `sync_wallets` or `snapshot`.
        public var source: String
    }

    private let book = Mutex<[UUID: Wallets]>([:])
    let writer: StoreWriter?

    init(writer: StoreWriter?) {
        self.writer = writer
    }

    public func wallets(of agentID: UUID) -> Wallets? {
        self.book.withLock { $0[agentID] }
    }

    /// Records balances an agent reported. `complete` means they are all of its wallets.
    func record(_ balances: [Commandhub_V1_Balance], of agentID: UUID, syncedAt: Date, complete: Bool, source: String) {
        let merged = self.book.withLock { book -> Wallets in
            var byAsset: [String: Commandhub_V1_Balance] = [:]
            if !complete, let existing = book[agentID] {
                for balance in existing.balances { byAsset[balance.asset] = balance }
            }
            for balance in balances { byAsset[balance.asset] = balance }
            let wallets = Wallets(balances: byAsset.values.sorted { $0.asset < $1.asset }, syncedAt: syncedAt, source: source)
            book[agentID] = wallets
            return wallets
        }
        self.writer?.append(.walletsRecorded(agentID, merged))
    }

    /// Follows what the dispatcher learns: every answered `sync_wallets` carries balances.
    func follow(_ dispatcher: CommandDispatcher) {
        dispatcher.observe { [weak self] report in
            guard let self, case .syncWallets(let sync) = report.action, let ack = report.ack, ack.success,
                  case .balances(let balances)? = ack.result
            else { return }
            self.record(
                balances.balances, of: report.agentID, syncedAt: WireTime.date(milliseconds: balances.syncedAtMs) ?? report.finishedAt,
                complete: sync.symbols.isEmpty, source: "sync_wallets"
            )
        }
    }

    /// Restores the persisted wallets.
    func load(from database: HubDatabase) throws {
        let rows = try database.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM agent_wallet ORDER BY agent_id, asset") }
        var book: [UUID: Wallets] = [:]
        for row in rows {
            guard let agentID = UUID(uuidString: row["agent_id"]) else { continue }
            var balance = Commandhub_V1_Balance()
            balance.asset = row["asset"]
            balance.free = row["free"]
            balance.locked = row["locked"]
            let syncedAt = Date(timeIntervalSince1970: row["synced_at"])
            book[agentID, default: Wallets(balances: [], syncedAt: syncedAt, source: row["source"])].balances.append(balance)
        }
        self.book.withLock { $0 = book }
    }
}
