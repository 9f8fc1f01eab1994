import DaemonSupport
import HubCore
import ServiceLifecycle

/// The hub's persistence, assembled: the database and the parts that read and write it, plus
/// the services that keep it (the writer, agent-state commits, retention, credential reloads).
package struct HubStore: Sendable {
    package let database: HubDatabase
    package let writer: StoreWriter
    package let log: CommandLog
    package let history: CommandHistory
    package let directory: AgentDirectory
    package let wallets: WalletBook
    package let authenticator: CredentialAuthenticator
    /// Operator accounts, as the REST API checks them.
    package let operators: OperatorDirectory
    package let idempotency: IdempotencyStore
    package let maintenance: StoreMaintenance
    package let watcher: StoreWatcher

    package init(
        database: HubDatabase,
        writer: StoreWriter,
        log: CommandLog,
        history: CommandHistory,
        directory: AgentDirectory,
        wallets: WalletBook,
        authenticator: CredentialAuthenticator,
        operators: OperatorDirectory,
        idempotency: IdempotencyStore,
        maintenance: StoreMaintenance,
        watcher: StoreWatcher
    ) {
        self.database = database
        self.writer = writer
        self.log = log
        self.history = history
        self.directory = directory
        self.wallets = wallets
        self.authenticator = authenticator
        self.operators = operators
        self.idempotency = idempotency
        self.maintenance = maintenance
        self.watcher = watcher
    }

    /// Issues a new token for credential `name` (creating it) and makes the running hub accept
    /// it at once. Changes made by another process are picked up by the `StoreWatcher`.
    package func rotateCredential(name: String, labels: [String: String] = [:]) throws -> String {
        let token = try CredentialStore(database: self.database).rotate(name: name, labels: labels)
        try self.authenticator.reload()
        return token
    }

    /// Revokes credential `name` and closes its agents' streams at once.
    @discardableResult
    package func revokeCredential(name: String) throws -> Bool {
        let changed = try CredentialStore(database: self.database).revoke(name: name)
        try self.authenticator.reload()
        return changed
    }

    /// The services to run, in start order; the writer is first so it stops last.
    package var services: [any Service] {
        [StoreWriterService(writer: self.writer), self.directory, self.maintenance, self.watcher]
    }
}

/// Runs the writer until graceful shutdown, then commits what is buffered and returns.
package struct StoreWriterService: Service {
    package let writer: StoreWriter

    package init(
        writer: StoreWriter
    ) {
        self.writer = writer
    }

    package func run() async throws {
        try await runUntilGracefulShutdown {
            await self.writer.run()
        }
    }
}
