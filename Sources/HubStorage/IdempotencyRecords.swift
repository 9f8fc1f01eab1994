import Foundation
import HubCore

/// Stored answers to REST writes with an `Idempotency-Key`, whichever store holds them
/// (`IdempotencyStore` for SQLite); see `IdempotencyStore` for the contract.
package protocol IdempotencyRecords: Sendable {
    func claim(caller: String, key: String, fingerprint: String, now: Date) async throws(HubError) -> IdempotencyStore.Claim
    func complete(caller: String, key: String, status: Int, body: Data, now: Date) async throws(HubError)
    func release(caller: String, key: String) async throws(HubError)
}

extension IdempotencyStore: IdempotencyRecords {}

extension IdempotencyRecords {
    package func claim(caller: String, key: String, fingerprint: String) async throws(HubError) -> IdempotencyStore.Claim {
        try await self.claim(caller: caller, key: key, fingerprint: fingerprint, now: Date())
    }

    package func complete(caller: String, key: String, status: Int, body: Data) async throws(HubError) {
        try await self.complete(caller: caller, key: key, status: status, body: body, now: Date())
    }
}
