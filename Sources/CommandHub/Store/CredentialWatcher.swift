import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// Notices credential changes made by another process (`commandhub agents add/revoke` while
/// the hub runs) and reloads the authenticator — whose revocation observers close the revoked
/// agents' streams. SQLite's `data_version` changes on the watching connection only when some
/// other connection commits, so the poll is one cheap pragma.
struct CredentialWatcher: Service {
    let database: HubDatabase
    let authenticator: CredentialAuthenticator
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try await runUntilGracefulShutdown {
            var version = try? await self.dataVersion()
            while true {
                try await Task.sleep(for: self.interval)
                guard let current = try? await self.dataVersion(), current != version else { continue }
                version = current
                do {
                    try self.authenticator.reload()
                } catch {
                    self.logger.warning("could not reload agent credentials", metadata: ["error": "\(error)"])
                }
            }
        }
    }

    private func dataVersion() async throws -> Int {
        try await self.database.pool.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        }
    }
}
