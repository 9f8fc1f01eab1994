import DaemonSupport
import Foundation
import GRDB
import HubCore
import Logging
import ServiceLifecycle

/// Notices changes another process made to the hub's database (`commandhub agents …` or
/// `commandhub users …` while the hub runs) and reloads the in-memory caches: agent
/// credentials — whose revocation observers close revoked agents' streams — and operator
/// accounts. SQLite's `data_version` changes on the watching connection only when some other
/// connection commits, so the poll is one cheap pragma.
package struct StoreWatcher: Service {
    package let database: HubDatabase
    package let authenticator: CredentialAuthenticator
    package let operators: OperatorDirectory
    package let interval: Duration
    package let logger: Logger

    package init(
        database: HubDatabase,
        authenticator: CredentialAuthenticator,
        operators: OperatorDirectory,
        interval: Duration,
        logger: Logger
    ) {
        self.database = database
        self.authenticator = authenticator
        self.operators = operators
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        try await runUntilGracefulShutdown {
            var version = try? await self.dataVersion()
            while true {
                try await Task.sleep(for: self.interval)
                guard let current = try? await self.dataVersion(), current != version else { continue }
                version = current
                do {
                    try await self.authenticator.reload()
                    try await self.operators.reload()
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
