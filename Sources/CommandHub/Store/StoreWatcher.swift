import DaemonSupport
import Foundation
import GRDB
import Logging
import ServiceLifecycle

/// Notices changes another process made to the hub's database (`commandhub agents …` or
/// `commandhub users …` while the hub runs) and reloads the in-memory caches: agent
/// credentials — whose revocation observers close revoked agents' streams — and operator
/// accounts. SQLite's `data_version` changes on the watching connection only when some other
/// connection commits, so the poll is one cheap pragma.
struct StoreWatcher: Service {
    let database: HubDatabase
    let authenticator: CredentialAuthenticator
    let operators: OperatorDirectory
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
                    try self.operators.reload()
                } catch {
                    self.logger.warning("could not reload credentials and operators", metadata: ["error": "\(error)"])
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
