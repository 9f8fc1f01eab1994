import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import Wire

/// Agent credentials in PostgreSQL, as `CredentialStore` keeps them in SQLite: the token's
/// SHA-256 only.
package struct PostgresCredentialStore: AgentCredentials {
    let access: PostgresAccess

    package init(client: PostgresClient, logger: Logger) {
        self.access = PostgresAccess(client: client, logger: logger)
    }

    package func add(name: String, labels: [String: String], now: Date) async throws(HubError) -> String {
        try CredentialStore.validate(name: name)
        let token = CredentialStore.newToken()
        let inserted = try await self.access.run { client, logger in
            try await client.query(
                """
                INSERT INTO agent_credential (name, token_hash, labels, created_at)
                VALUES (\(name), \(CredentialStore.hash(token)), \(JSONText.encode(labels)), \(now.timeIntervalSince1970))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger
            ).hasRows()
        }
        guard inserted else { throw .credentialExists(name) }
        return token
    }

    package func rotate(name: String, labels: [String: String], now: Date) async throws(HubError) -> String {
        try CredentialStore.validate(name: name)
        let token = CredentialStore.newToken()
        try await self.access.run { client, logger in
            _ = try await client.query(
                """
                INSERT INTO agent_credential (name, token_hash, labels, created_at)
                VALUES (\(name), \(CredentialStore.hash(token)), \(JSONText.encode(labels)), \(now.timeIntervalSince1970))
                ON CONFLICT (name) DO UPDATE SET token_hash = excluded.token_hash, labels = excluded.labels,
                    created_at = excluded.created_at, revoked_at = NULL
                """, logger: logger)
        }
        return token
    }

    package func revoke(name: String, now: Date) async throws(HubError) -> Bool {
        try await self.access.transaction { connection, logger in
            guard try await connection.query("SELECT 1 FROM agent_credential WHERE name = \(name)", logger: logger).hasRows() else {
                throw HubError.credentialNotFound(name)
            }
            return try await connection.query(
                """
                UPDATE agent_credential SET revoked_at = \(now.timeIntervalSince1970)
                WHERE name = \(name) AND revoked_at IS NULL RETURNING name
                """, logger: logger
            ).hasRows()
        }
    }

    package func list() async throws(HubError) -> [CredentialStore.Credential] {
        try await self.access.run { client, logger in
            let rows = try await client.query(
                "SELECT name, labels, created_at, revoked_at, last_used_at FROM agent_credential ORDER BY name", logger: logger)
            var credentials: [CredentialStore.Credential] = []
            for try await (name, labels, created, revoked, used) in rows.decode((String, String, Double, Double?, Double?).self) {
                credentials.append(
                    CredentialStore.Credential(
                        name: name, labels: JSONText.decodeLabels(labels), createdAt: Date(timeIntervalSince1970: created),
                        revokedAt: revoked.map(Date.init(timeIntervalSince1970:)), lastUsedAt: used.map(Date.init(timeIntervalSince1970:))))
            }
            return credentials
        }
    }

    package func loadAll() async throws -> [(hash: [UInt8], credential: CredentialStore.Credential)] {
        try await self.access.run { client, logger in
            let rows = try await client.query(
                "SELECT name, token_hash, labels, created_at, revoked_at FROM agent_credential", logger: logger)
            var all: [(hash: [UInt8], credential: CredentialStore.Credential)] = []
            for try await (name, hash, labels, created, revoked) in rows.decode((String, Data, String, Double, Double?).self) {
                all.append(
                    (
                        Array(hash),
                        CredentialStore.Credential(
                            name: name, labels: JSONText.decodeLabels(labels), createdAt: Date(timeIntervalSince1970: created),
                            revokedAt: revoked.map(Date.init(timeIntervalSince1970:)), lastUsedAt: nil)
                    ))
            }
            return all
        }
    }
}
