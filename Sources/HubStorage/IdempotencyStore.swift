import Crypto
import Foundation
import GRDB
import HubCore

/// Stored answers to REST writes that carried an `Idempotency-Key`, per caller.
///
/// A request claims its key durably *before* anything is sent. A repeat with the same key and
/// the same request gets the stored answer and sends nothing; the same key with a different
/// request is refused (422); a repeat while the first is still running is refused (409).
/// A request that sent nothing (bad input, agent not connected) releases its key so it can be
/// retried; one that reached an agent keeps its answer, whatever it was.
package struct IdempotencyStore: Sendable {
    package let database: HubDatabase

    package init(
        database: HubDatabase
    ) {
        self.database = database
    }

    /// The answer stored for a request the hub stopped in the middle of.
    package static let outcomeUnknownBody = Data(
        JSON.object([
            ("error", .string("outcome_unknown")),
            ("message", .string("The hub restarted while this request was in progress")),
            ("detail", .string("See /api/crypto/history/ for what became of its commands; nothing will be sent again for this key")),
        ]).serialized()
    )

    /// What claiming a key found.
    package enum Claim: Sendable, Equatable {
        /// First use: go ahead, then `complete` or `release`.
        case claimed
        /// Seen and finished: answer with this.
        case replay(status: Int, body: Data)
        /// Seen with a different request.
        case mismatch
        /// Seen and still running.
        case inProgress
    }

    package func claim(caller: String, key: String, fingerprint: String, now: Date = Date()) async throws(HubError) -> Claim {
        do {
            return try await self.database.pool.write { db in
                if let row = try Row.fetchOne(
                    db, sql: "SELECT fingerprint, state, status, body FROM idempotency WHERE caller = ? AND key = ?",
                    arguments: [caller, key]
                ) {
                    guard row["fingerprint"] as String == fingerprint else { return .mismatch }
                    guard row["state"] as String == "done" else { return .inProgress }
                    return .replay(status: row["status"] ?? 500, body: row["body"] ?? Data())
                }
                try db.execute(
                    sql: "INSERT INTO idempotency (caller, key, fingerprint, state, created_at) VALUES (?, ?, ?, 'in_progress', ?)",
                    arguments: [caller, key, fingerprint, now.timeIntervalSince1970]
                )
                return .claimed
            }
        } catch {
            throw .storeUnavailable(StoreWriter.describe(error))
        }
    }

    /// Stores the answer for a claimed key.
    package func complete(caller: String, key: String, status: Int, body: Data, now: Date = Date()) async throws(HubError) {
        do {
            try await self.database.pool.write { db in
                try db.execute(
                    sql: "UPDATE idempotency SET state = 'done', status = ?, body = ?, finished_at = ? WHERE caller = ? AND key = ?",
                    arguments: [status, body, now.timeIntervalSince1970, caller, key]
                )
            }
        } catch {
            throw .storeUnavailable(StoreWriter.describe(error))
        }
    }

    /// Forgets a claimed key whose request sent nothing, so it may be retried.
    package func release(caller: String, key: String) async throws(HubError) {
        do {
            try await self.database.pool.write { db in
                try db.execute(
                    sql: "DELETE FROM idempotency WHERE caller = ? AND key = ? AND state = 'in_progress'", arguments: [caller, key])
            }
        } catch {
            throw .storeUnavailable(StoreWriter.describe(error))
        }
    }

    /// A request's identity: method, path, query items in order of name, and the body's hash.
    package static func fingerprint(method: String, path: String, query: [(String, String)], body: [UInt8]) -> String {
        let canonicalQuery = query.sorted { ($0.0, $0.1) < ($1.0, $1.1) }.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let bodyHash = SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined()
        return "\(method) \(path)?\(canonicalQuery) \(bodyHash)"
    }
}
