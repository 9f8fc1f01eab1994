import DaemonSupport
import ServiceLifecycle

/// The hub's persistence, assembled: the database and the parts that read and write it, plus
/// the services that keep it (the writer, agent-state commits, retention, credential reloads).
public struct HubStore: Sendable {
    public let database: HubDatabase
    public let writer: StoreWriter
    public let log: CommandLog
    public let history: CommandHistory
    let directory: AgentDirectory
    public let wallets: WalletBook
    public let authenticator: CredentialAuthenticator
    /// Operator accounts, as the REST API checks them.
    public let operators: OperatorDirectory
    let idempotency: IdempotencyStore
    let maintenance: StoreMaintenance
    let watcher: StoreWatcher

    /// Issues a new token for credential `name` (creating it) and makes the running hub accept
    /// it at once. Changes made by another process are picked up by the `StoreWatcher`.
    public func rotateCredential(name: String, labels: [String: String] = [:]) throws -> String {
        let token = try CredentialStore(database: self.database).rotate(name: name, labels: labels)
        try self.authenticator.reload()
        return token
    }

    /// Revokes credential `name` and closes its agents' streams at once.
    @discardableResult
    public func revokeCredential(name: String) throws -> Bool {
        let changed = try CredentialStore(database: self.database).revoke(name: name)
        try self.authenticator.reload()
        return changed
    }

    /// The services to run, in start order; the writer is first so it stops last.
    var services: [any Service] {
        [StoreWriterService(writer: self.writer), self.directory, self.maintenance, self.watcher]
    }
}

/// Runs the writer until graceful shutdown, then commits what is buffered and returns.
struct StoreWriterService: Service {
    let writer: StoreWriter

    func run() async throws {
        try await runUntilGracefulShutdown {
            await self.writer.run()
        }
    }
}
