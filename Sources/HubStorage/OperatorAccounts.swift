import Foundation
import HubCore

/// Operator accounts, whichever store holds them (`OperatorStore` for SQLite). Hashes only:
/// passwords are hashed by the caller before they reach a store.
package protocol OperatorAccounts: Sendable {
    /// Creates an account; `.operatorExists` if the name is taken.
    func add(name: String, role: OperatorRole, passwordHash: String, now: Date) async throws(HubError)
    /// Changes an account's role and/or password hash; `.operatorNotFound` if there is none.
    func update(name: String, role: OperatorRole?, passwordHash: String?) async throws(HubError)
    /// Deletes an account; `.operatorNotFound` if there is none.
    func remove(name: String) async throws(HubError)
    /// Records a successful login (best effort).
    func loggedIn(name: String, at now: Date) async
    /// Every account, by name.
    func list() async throws(HubError) -> [OperatorStore.Account]
}

extension OperatorStore: OperatorAccounts {}

extension OperatorAccounts {
    package func add(name: String, role: OperatorRole, passwordHash: String) async throws(HubError) {
        try await self.add(name: name, role: role, passwordHash: passwordHash, now: Date())
    }

    /// How many accounts have this role or a higher one.
    package func count(atLeast role: OperatorRole) async throws(HubError) -> Int {
        try await self.list().filter { $0.role >= role }.count
    }
}
