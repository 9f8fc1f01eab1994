import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import Wire

/// Operator accounts in PostgreSQL, as `OperatorStore` keeps them in SQLite.
package struct PostgresOperatorStore: OperatorAccounts {
    let access: PostgresAccess

    package init(client: PostgresClient, logger: Logger) {
        self.access = PostgresAccess(client: client, logger: logger)
    }

    package func add(name: String, role: OperatorRole, passwordHash: String, now: Date) async throws(HubError) {
        try OperatorStore.validate(name: name)
        let inserted = try await self.access.run { client, logger in
            try await client.query(
                """
                INSERT INTO operator (name, role, password_hash, created_at)
                VALUES (\(name), \(role.rawValue), \(passwordHash), \(now.timeIntervalSince1970))
                ON CONFLICT (name) DO NOTHING RETURNING name
                """, logger: logger
            ).hasRows()
        }
        guard inserted else { throw .operatorExists(name) }
    }

    package func update(name: String, role: OperatorRole?, passwordHash: String?) async throws(HubError) {
        let found = try await self.access.run { client, logger in
            try await client.query(
                """
                UPDATE operator SET role = COALESCE(\(role?.rawValue), role), password_hash = COALESCE(\(passwordHash), password_hash)
                WHERE name = \(name) RETURNING name
                """, logger: logger
            ).hasRows()
        }
        guard found else { throw .operatorNotFound(name) }
    }

    package func remove(name: String) async throws(HubError) {
        let found = try await self.access.run { client, logger in
            try await client.query("DELETE FROM operator WHERE name = \(name) RETURNING name", logger: logger).hasRows()
        }
        guard found else { throw .operatorNotFound(name) }
    }

    package func loggedIn(name: String, at now: Date) async {
        _ = try? await self.access.run { client, logger in
            _ = try await client.query(
                "UPDATE operator SET last_login_at = \(now.timeIntervalSince1970) WHERE name = \(name)", logger: logger)
        }
    }

    package func list() async throws(HubError) -> [OperatorStore.Account] {
        try await self.access.run { client, logger in
            let rows = try await client.query(
                "SELECT name, role, password_hash, created_at, last_login_at FROM operator ORDER BY name", logger: logger)
            var accounts: [OperatorStore.Account] = []
            for try await (name, role, hash, created, lastLogin) in rows.decode((String, String, String, Double, Double?).self) {
                guard let role = OperatorRole(rawValue: role) else { continue }
                accounts.append(
                    OperatorStore.Account(
                        name: name, role: role, passwordHash: hash, createdAt: Date(timeIntervalSince1970: created),
                        lastLoginAt: lastLogin.map(Date.init(timeIntervalSince1970:))))
            }
            return accounts
        }
    }
}
