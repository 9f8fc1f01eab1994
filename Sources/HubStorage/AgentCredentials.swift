import Foundation
import HubCore

/// Agent credentials, whichever store holds them (`CredentialStore` for SQLite): a name,
/// labels, and the SHA-256 of a token that is shown once and never stored.
package protocol AgentCredentials: Sendable {
    /// Creates a credential and returns its token; `.credentialExists` if the name is taken.
    func add(name: String, labels: [String: String], now: Date) async throws(HubError) -> String
    /// Replaces a credential's token (creating the credential) and returns the new one.
    func rotate(name: String, labels: [String: String], now: Date) async throws(HubError) -> String
    /// Revokes a credential; false if it already was. `.credentialNotFound` if there is none.
    func revoke(name: String, now: Date) async throws(HubError) -> Bool
    /// Every credential, by name, without secrets.
    func list() async throws(HubError) -> [CredentialStore.Credential]
    /// Every credential with its token hash, for the authenticator's cache.
    func loadAll() async throws -> [(hash: [UInt8], credential: CredentialStore.Credential)]
}

extension CredentialStore: AgentCredentials {}

extension AgentCredentials {
    package func add(name: String, labels: [String: String] = [:]) async throws(HubError) -> String {
        try await self.add(name: name, labels: labels, now: Date())
    }

    package func rotate(name: String, labels: [String: String] = [:]) async throws(HubError) -> String {
        try await self.rotate(name: name, labels: labels, now: Date())
    }

    @discardableResult
    package func revoke(name: String) async throws(HubError) -> Bool {
        try await self.revoke(name: name, now: Date())
    }
}
