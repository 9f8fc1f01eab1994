import Foundation
import HubCore
import Synchronization

/// The operator accounts, in memory, for the checks every REST request makes: does the account
/// behind a token still exist, and what is its role now. A removed account's tokens stop
/// working and a changed role applies at once — at the next reload, which `StoreWatcher` runs
/// when the database changes (e.g. `commandhub users` in another process).
package final class OperatorDirectory: Sendable {
    package let store: OperatorStore
    private let accounts = Mutex<[String: OperatorStore.Account]>([:])

    package init(store: OperatorStore) throws {
        self.store = store
        try self.reload()
    }

    /// The account named `name`, as last loaded.
    package func account(named name: String) -> OperatorStore.Account? {
        self.accounts.withLock { $0[name] }
    }

    /// Re-reads every account.
    package func reload() throws {
        let all = try self.store.list()
        self.accounts.withLock { $0 = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) }) }
    }
}
