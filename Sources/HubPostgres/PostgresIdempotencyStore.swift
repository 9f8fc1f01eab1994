import Foundation
import HubCore
import HubStorage
import Logging
import PostgresNIO
import Wire

/// `Idempotency-Key` answers in PostgreSQL, with `IdempotencyStore`'s contract: a key is
/// claimed once (the insert's conflict decides, so two hubs racing for a key cannot both win).
package struct PostgresIdempotencyStore: IdempotencyRecords {
    let access: PostgresAccess
    let hubID: String

    package init(client: PostgresClient, hubID: String, logger: Logger) {
        self.access = PostgresAccess(client: client, logger: logger)
        self.hubID = hubID
    }

    package func claim(caller: String, key: String, fingerprint: String, now: Date) async throws(HubError) -> IdempotencyStore.Claim {
        try await self.access.transaction { connection, logger in
            let claimed = try await connection.query(
                """
                INSERT INTO idempotency (caller, key, fingerprint, state, created_at, hub_id)
                VALUES (\(caller), \(key), \(fingerprint), 'in_progress', \(now.timeIntervalSince1970), \(self.hubID))
                ON CONFLICT (caller, key) DO NOTHING RETURNING key
                """, logger: logger
            ).hasRows()
            if claimed { return .claimed }
            let rows = try await connection.query(
                "SELECT fingerprint, state, status, body FROM idempotency WHERE caller = \(caller) AND key = \(key)", logger: logger)
            var found: (String, String, Int32?, Data?)?
            for try await row in rows.decode((String, String, Int32?, Data?).self) { found = row }
            guard let (stored, state, status, body) = found else { return .inProgress }  // released meanwhile: running
            guard stored == fingerprint else { return .mismatch }
            guard state == "done" else { return .inProgress }
            return .replay(status: Int(status ?? 500), body: body ?? Data())
        }
    }

    package func complete(caller: String, key: String, status: Int, body: Data, now: Date) async throws(HubError) {
        try await self.access.run { client, logger in
            _ = try await client.query(
                """
                UPDATE idempotency SET state = 'done', status = \(Int32(clamping: status)), body = \(body),
                    finished_at = \(now.timeIntervalSince1970)
                WHERE caller = \(caller) AND key = \(key)
                """, logger: logger)
        }
    }

    package func release(caller: String, key: String) async throws(HubError) {
        try await self.access.run { client, logger in
            _ = try await client.query(
                "DELETE FROM idempotency WHERE caller = \(caller) AND key = \(key) AND state = 'in_progress'", logger: logger)
        }
    }
}
