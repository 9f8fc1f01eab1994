import DaemonSupport
import Foundation
import HubPostgres
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing

@Suite("PostgreSQL migrations", .timeLimit(.minutes(1)))
struct PostgresMigrationTests {
    @Test func migratingAgainChangesNothing() async throws {
        try await PostgresTestDatabase.with(migrated: false) { store in
            let first = try await store.migrate()
            let second = try await store.migrate()
            #expect(first == 4)
            #expect(second == 0, "a second run finds nothing to do")
            #expect(try await Self.versions(store) == [1, 2, 3, 4])
        }
    }

    /// Two hubs starting at once: the advisory lock makes the second wait and find the work done.
    @Test func twoHubsMigratingAtOnceApplyEachMigrationOnce() async throws {
        try await PostgresTestDatabase.with(migrated: false) { store in
            let other = PostgresStore(location: store.location, logger: store.logger)
            let connection = other.start()
            defer { connection.running.cancel() }
            async let first = store.migrate()
            async let second = other.migrate()
            let applied = try await [first, second]
            #expect(applied.sorted() == [0, 4])
            #expect(try await Self.versions(store) == [1, 2, 3, 4])
        }
    }

    @Test func aDatabaseFromANewerVersionIsRefused() async throws {
        try await PostgresTestDatabase.with { store in
            try await store.client.query("INSERT INTO schema_version VALUES (999, 'v999-future', 0)", logger: store.logger)
            await #expect(throws: StoreError.newerSchema(path: store.location.description, migration: "999")) {
                try await store.migrate()
            }
        }
    }

    @Test func aURLIsReadAndItsPasswordNeverShown() throws {
        let location = try PostgresLocation(url: "postgres://commandhub:s%40cret@db.example:6543/hubs?sslmode=require")
        #expect(location.host == "db.example" && location.port == 6543 && location.database == "hubs")
        #expect(location.username == "commandhub" && location.password == "s@cret" && location.tls == .require)
        #expect(location.description == "postgres://commandhub@db.example:6543/hubs")
        #expect(try PostgresLocation(url: "postgresql://hub@127.0.0.1/").database == "hub")
        #expect(throws: StoreError.self) { try PostgresLocation(url: "postgres://secret-only@/x?sslmode=maybe") }
    }

    static func versions(_ store: PostgresStore) async throws -> [Int] {
        var versions: [Int] = []
        let rows = try await store.client.query("SELECT version FROM schema_version ORDER BY version", logger: store.logger)
        for try await version in rows.decode(Int.self) { versions.append(version) }
        return versions
    }
}
