import DaemonSupport
import HubCore
import ServiceLifecycle

/// The hub's persistence, assembled: the store (the SQLite file or PostgreSQL) and the parts
/// that read and write it, plus the services that keep it (the store's connection when it has
/// one, the writer, agent-state commits, retention, credential reloads).
package struct HubStore: Sendable {
    /// What the hub reads once at start-up (secrets, recovery, known agents and wallets).
    package let startup: any StoreStartup
    /// The SQLite file, when the store is one (tests of the file itself use it).
    package let sqlite: HubDatabase?
    package let writer: StoreWriter
    package let log: CommandLog
    package let history: any CommandHistoryReading
    package let directory: AgentDirectory
    package let wallets: WalletBook
    package let credentials: any AgentCredentials
    package let authenticator: CredentialAuthenticator
    /// Operator accounts, as the REST API checks them.
    package let operators: OperatorDirectory
    package let idempotency: any IdempotencyRecords
    package let maintenance: any Service
    package let watcher: any Service
    /// The store's own service (PostgreSQL's connection pool), first to start and last to stop.
    package let connection: (any Service)?
    /// Several hubs on one PostgreSQL store: this hub's membership (lease, epochs, which hub
    /// holds which agent). Nil for a hub of its own (SQLite).
    package let cluster: (any ClusterMembership & Service)?

    package init(
        startup: any StoreStartup,
        sqlite: HubDatabase?,
        writer: StoreWriter,
        log: CommandLog,
        history: any CommandHistoryReading,
        directory: AgentDirectory,
        wallets: WalletBook,
        credentials: any AgentCredentials,
        authenticator: CredentialAuthenticator,
        operators: OperatorDirectory,
        idempotency: any IdempotencyRecords,
        maintenance: any Service,
        watcher: any Service,
        connection: (any Service)? = nil,
        cluster: (any ClusterMembership & Service)? = nil
    ) {
        self.startup = startup
        self.sqlite = sqlite
        self.writer = writer
        self.log = log
        self.history = history
        self.directory = directory
        self.wallets = wallets
        self.credentials = credentials
        self.authenticator = authenticator
        self.operators = operators
        self.idempotency = idempotency
        self.maintenance = maintenance
        self.watcher = watcher
        self.connection = connection
        self.cluster = cluster
    }

    /// Issues a new token for credential `name` (creating it) and makes the running hub accept
    /// it at once. Changes made by another process are picked up by the watcher.
    package func rotateCredential(name: String, labels: [String: String] = [:]) async throws -> String {
        let token = try await self.credentials.rotate(name: name, labels: labels)
        try await self.authenticator.reload()
        return token
    }

    /// Revokes credential `name` and closes its agents' streams at once.
    @discardableResult
    package func revokeCredential(name: String) async throws -> Bool {
        let changed = try await self.credentials.revoke(name: name)
        try await self.authenticator.reload()
        return changed
    }

    /// The services to run, in start order; the writer is first so it stops last (after it,
    /// only the cluster membership — which leaves once the last batch is in — and the store's
    /// connection).
    package var services: [any Service] {
        (self.connection.map { [$0] } ?? []) + (self.cluster.map { [$0] } ?? []) + [
            StoreWriterService(writer: self.writer), self.directory, self.maintenance, self.watcher,
        ]
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
