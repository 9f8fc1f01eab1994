import CommandHub
import HubPostgres
import Testing

/// The two stores the durable-state tests run against.
package enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    package var testDescription: String { self.rawValue }
}

extension StoreKind {
    /// Runs `body` with what points a hub at this store: nothing for SQLite (the hub's own file),
    /// `store.url` of a fresh PostgreSQL database for `.postgres` (skipped without a server).
    package func configuring(_ body: (@escaping @Sendable (inout HubConfiguration) -> Void) async throws -> Void) async throws {
        switch self {
        case .sqlite:
            try await body { _ in }
        case .postgres:
            try await PostgresTestDatabase.with(migrated: false) { store in
                let url = store.location.url
                try await body { $0.storeURL = url }
            }
        }
    }
}
