import Foundation
import HubPostgres
import Logging
import PostgresNIO
import Testing

/// A fresh PostgreSQL database for one test, on the server `COMMANDHUB_TEST_POSTGRES_URL`
/// names (`Scripts/postgres.sh -- …` sets it; `Scripts/test.sh` runs the suite so): created as
/// `t_<random>`, migrated, its client running for the body's duration, then dropped. Without
/// the variable the test is cancelled — skipped, with the reason in the output.
package enum PostgresTestDatabase {
    package static let variable = "COMMANDHUB_TEST_POSTGRES_URL"

    package static var serverLocation: PostgresLocation {
        get throws {
            guard let url = ProcessInfo.processInfo.environment[Self.variable], !url.isEmpty else {
                try Test.cancel("\(Self.variable) is not set: run under Scripts/postgres.sh -- … (Scripts/test.sh does)")
            }
            return try PostgresLocation(url: url)
        }
    }

    /// With `migrated: false` the database is left empty (the migration tests migrate it).
    package static func with(migrated: Bool = true, _ body: (PostgresStore) async throws -> Void) async throws {
        let server = try Self.serverLocation
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let logger = Logger(label: "test.postgres")
        try await Self.admin(server, logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        do {
            let store = PostgresStore(location: server.with(database: name), logger: logger)
            let connection = store.start()
            defer { connection.running.cancel() }
            if migrated { try await store.migrate() }
            try await body(store)
        } catch {
            try? await Self.drop(name, on: server, logger: logger)
            throw error
        }
        try await Self.drop(name, on: server, logger: logger)
    }

    private static func drop(_ name: String, on server: PostgresLocation, logger: Logger) async throws {
        try await Self.admin(server, logger: logger) { admin in
            try await admin.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: logger)
        }
    }

    /// Runs `body` with a client on the server's own database.
    package static func admin(
        _ server: PostgresLocation, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> Void
    ) async throws {
        let client = PostgresClient(configuration: server.configuration, backgroundLogger: logger)
        // Not awaited at the end: the client closes its connections in the background.
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await body(client)
    }
}
