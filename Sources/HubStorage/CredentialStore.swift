import Crypto
import Foundation
import GRDB
import HubCore

/// Agent credentials in the hub's database: a name, labels, and the SHA-256 of a random token.
///
/// The token itself is shown once, when it is created, and never stored. Tokens carry 256 bits
/// of randomness, so a plain SHA-256 is the right hash (a slow password hash buys nothing
/// against a preimage search of that size, and would cost every reconnect of 10,000 agents).
package struct CredentialStore: Sendable {
    package let database: HubDatabase

    package init(database: HubDatabase) {
        self.database = database
    }

    /// A stored credential, without its secret.
    package struct Credential: Sendable, Equatable {
        package var name: String
        package var labels: [String: String]
        package var createdAt: Date
        package var revokedAt: Date?
        package var lastUsedAt: Date?

        package init(
            name: String,
            labels: [String: String],
            createdAt: Date,
            revokedAt: Date? = nil,
            lastUsedAt: Date? = nil
        ) {
            self.name = name
            self.labels = labels
            self.createdAt = createdAt
            self.revokedAt = revokedAt
            self.lastUsedAt = lastUsedAt
        }
        package var isRevoked: Bool { self.revokedAt != nil }
    }

    /// Creates a credential and returns its token — the only time the token exists.
    /// Throws `.credentialExists` if the name is taken (revoked names stay taken: history refers to them).
    package func add(name: String, labels: [String: String] = [:], now: Date = Date()) throws(HubError) -> String {
        try Self.validate(name: name)
        let token = Self.newToken()
        do {
            try self.database.pool.write { db in
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM agent_credential WHERE name = ?", arguments: [name]) == true {
                    throw HubError.credentialExists(name)
                }
                try db.execute(
                    sql: "INSERT INTO agent_credential (name, token_hash, labels, created_at) VALUES (?, ?, ?, ?)",
                    arguments: [name, Self.hash(token), JSONText.encode(labels), now.timeIntervalSince1970]
                )
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw .storeUnavailable("\(error)")
        }
        return token
    }

    /// Replaces a credential's token (revoked or not) and returns the new one; the old token
    /// stops working. Creates the credential if it does not exist.
    package func rotate(name: String, labels: [String: String] = [:], now: Date = Date()) throws(HubError) -> String {
        try Self.validate(name: name)
        let token = Self.newToken()
        do {
            try self.database.pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO agent_credential (name, token_hash, labels, created_at) VALUES (?, ?, ?, ?)
                        ON CONFLICT(name) DO UPDATE SET token_hash = excluded.token_hash, labels = excluded.labels,
                            created_at = excluded.created_at, revoked_at = NULL
                        """,
                    arguments: [name, Self.hash(token), JSONText.encode(labels), now.timeIntervalSince1970]
                )
            }
        } catch {
            throw .storeUnavailable("\(error)")
        }
        return token
    }

    /// Revokes a credential; its token is refused from now on. Returns false if already revoked.
    @discardableResult
    package func revoke(name: String, now: Date = Date()) throws(HubError) -> Bool {
        do {
            return try self.database.pool.write { db in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM agent_credential WHERE name = ?", arguments: [name]) == true else {
                    throw HubError.credentialNotFound(name)
                }
                try db.execute(
                    sql: "UPDATE agent_credential SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                    arguments: [now.timeIntervalSince1970, name]
                )
                return db.changesCount > 0
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw .storeUnavailable("\(error)")
        }
    }

    /// Every credential, by name.
    package func list() throws(HubError) -> [Credential] {
        do {
            return try self.database.pool.read { db in
                try Row.fetchAll(db, sql: "SELECT name, labels, created_at, revoked_at, last_used_at FROM agent_credential ORDER BY name")
                    .map { row in
                        Credential(
                            name: row["name"], labels: JSONText.decodeLabels(row["labels"]),
                            createdAt: Date(timeIntervalSince1970: row["created_at"]),
                            revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
                            lastUsedAt: (row["last_used_at"] as Double?).map(Date.init(timeIntervalSince1970:))
                        )
                    }
            }
        } catch {
            throw .storeUnavailable("\(error)")
        }
    }

    /// Every credential with its hash, for the authenticator's cache.
    package func loadAll() throws -> [(hash: [UInt8], credential: Credential)] {
        try self.database.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, token_hash, labels, created_at, revoked_at FROM agent_credential").map { row in
                let hash: Data = row["token_hash"]
                return (
                    Array(hash),
                    Credential(
                        name: row["name"], labels: JSONText.decodeLabels(row["labels"]),
                        createdAt: Date(timeIntervalSince1970: row["created_at"]),
                        revokedAt: (row["revoked_at"] as Double?).map(Date.init(timeIntervalSince1970:)), lastUsedAt: nil
                    )
                )
            }
        }
    }

    /// `chub_` and 43 characters of base64url: 256 random bits.
    package static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let base64 = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "chub_" + base64
    }

    package static func hash(_ token: String) -> Data {
        Data(SHA256.hash(data: Data(token.utf8)))
    }

    package static func validate(name: String) throws(HubError) {
        guard !name.isEmpty, name.count <= 64,
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else {
            throw .badRequest(parameter: "name", reason: "must be 1-64 characters of letters, digits, '-', '_' or '.'")
        }
    }
}

/// Labels and small documents stored as JSON text columns.
package enum JSONText {
    package static func encode(_ labels: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(labels)).flatMap { String(data: $0, encoding: .utf8) } ?? "{}"
    }

    package static func encode(_ values: [String]) -> String {
        (try? JSONEncoder().encode(values)).flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
    }

    package static func decodeLabels(_ text: String?) -> [String: String] {
        guard let text, let data = text.data(using: .utf8) else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: data)) ?? [:]
    }

    package static func decodeList(_ text: String?) -> [String] {
        guard let text, let data = text.data(using: .utf8) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: data)) ?? []
    }
}
