import Foundation
import HubCore
import Synchronization

/// The operator accounts, in memory, for the checks every REST request makes: does the account
/// behind a token still exist, and what is its role now. A removed account's tokens stop
/// working and a changed role applies at once — at the next reload, which `StoreWatcher` runs
/// when the database changes (e.g. `commandhub users` in another process).
package final class OperatorDirectory: Sendable {
    package let store: any OperatorAccounts
    private let accounts = Mutex<[String: OperatorStore.Account]>([:])

    /// A directory with nothing loaded yet: `reload()` before it is used.
    package init(store: any OperatorAccounts) {
        self.store = store
    }

    /// A directory with every account loaded.
    package static func loaded(store: any OperatorAccounts) async throws -> OperatorDirectory {
        let directory = OperatorDirectory(store: store)
        try await directory.reload()
        return directory
    }

    /// The account named `name`, as last loaded.
    package func account(named name: String) -> OperatorStore.Account? {
        self.accounts.withLock { $0[name] }
    }

    /// Re-reads every account.
    package func reload() async throws {
        let all = try await self.store.list()
        self.accounts.withLock { $0 = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) }) }
    }
}
