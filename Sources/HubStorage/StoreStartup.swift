import DaemonSupport
import Foundation
import HubCore

/// What the hub reads from its store once, at start-up, whichever store it is (`HubDatabase`
/// for SQLite): its secrets, the crash recovery, the agents and wallets it knew.
package protocol StoreStartup: Sendable {
    /// The secret named `name`, created from `make()` and stored on first use.
    func secret(named name: String, make: @Sendable () -> [UInt8]) async throws(StoreError) -> [UInt8]
    /// Ends what the previous run left unfinished (see `HubDatabase.recoverAfterRestart`).
    func recoverAfterRestart(now: Date) async throws -> Int
    /// Every agent the hub has seen, as offline snapshots.
    func knownAgents() async throws -> [AgentSnapshot]
    /// The last wallets of every agent.
    func storedWallets() async throws -> [UUID: WalletBook.Wallets]
}

extension HubDatabase: StoreStartup {}
