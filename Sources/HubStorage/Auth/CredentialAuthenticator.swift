import Crypto
import Foundation
import HubCore
import Logging
import Synchronization

/// Authenticates agents against the credentials in the hub's database, from an in-memory
/// cache keyed by token hash, so a reconnect storm never waits on the disk.
///
/// The cache is reloaded when the database changes under it (`agents add` / `agents revoke`
/// run by the CLI in another process): `StoreWatcher` polls SQLite's `data_version` and
/// calls `reload()`. A credential that became revoked is reported to `onRevoked` so its live
/// streams are closed at once. Static tokens from the configuration are accepted too.
package final class CredentialAuthenticator: AgentAuthenticator {
    private struct Cache {
        var byHash: [[UInt8]: CredentialStore.Credential] = [:]
        var revoked: Set<String> = []
    }

    package let store: any AgentCredentials
    private let fallback: StaticTokenAuthenticator?
    private let cache = Mutex(Cache())
    private let revocationObservers = Mutex<[@Sendable (String) -> Void]>([])

    /// An authenticator with nothing loaded yet: `reload()` before it is used.
    package init(store: any AgentCredentials, staticTokens: Set<String> = [], allowAnonymous: Bool = false) {
        self.store = store
        self.fallback =
            staticTokens.isEmpty && !allowAnonymous
            ? nil : StaticTokenAuthenticator(tokens: staticTokens, allowAnonymous: allowAnonymous)
    }

    /// An authenticator with every credential loaded.
    package static func loaded(
        store: any AgentCredentials, staticTokens: Set<String> = [], allowAnonymous: Bool = false
    ) async throws -> CredentialAuthenticator {
        let authenticator = CredentialAuthenticator(store: store, staticTokens: staticTokens, allowAnonymous: allowAnonymous)
        try await authenticator.reload()
        return authenticator
    }

    /// Calls `observer` with the name of every credential that becomes revoked.
    package func onRevoked(_ observer: @escaping @Sendable (String) -> Void) {
        self.revocationObservers.withLock { $0.append(observer) }
    }

    package func authenticate(token: String?) throws(HubError) -> AgentCredential {
        if let token, !token.isEmpty {
            let hash = Array(SHA256.hash(data: Data(token.utf8)))
            if let credential = self.cache.withLock({ $0.byHash[hash] }) {
                guard !credential.isRevoked else { throw .credentialRevoked(credential.name) }
                return AgentCredential(name: credential.name, labels: credential.labels)
            }
        }
        if let fallback { return try fallback.authenticate(token: token) }
        throw .unauthenticated(token == nil || token?.isEmpty == true ? "missing bearer token" : "invalid bearer token")
    }

    /// Re-reads every credential; reports the ones revoked since the last load.
    package func reload() async throws {
        let all = try await self.store.loadAll()
        var fresh = Cache()
        for (hash, credential) in all {
            fresh.byHash[hash] = credential
            if credential.isRevoked { fresh.revoked.insert(credential.name) }
        }
        let newlyRevoked = self.cache.withLock { cache -> Set<String> in
            defer { cache = fresh }
            return fresh.revoked.subtracting(cache.revoked)
        }
        let observers = self.revocationObservers.withLock { $0 }
        for name in newlyRevoked.sorted() {
            for observer in observers { observer(name) }
        }
    }
}
