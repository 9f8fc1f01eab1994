import DaemonSupport
import HubAPI
import HubCore
import HubLink
import HubPostgres
import HubStorage
import Logging

/// The store `store.url` names (PostgreSQL), else the SQLite file at `store.path`: opened,
/// migrated and recovered after a crash (commands a killed hub left unfinished end
/// `undeliverable`), its one writer, and what reads and keeps it.
func buildStore(_ configuration: HubConfiguration, logger: Logger) async throws -> HubStore {
    if let url = configuration.storeURL {
        return try await buildPostgresStore(configuration, url: url, logger: logger)
    }
    let database = try HubDatabase.open(path: configuration.storePath)
    try recover(database.recoverAfterRestart(), logger: logger)
    let writer = StoreWriter(database: database, logger: logger)
    let credentials = CredentialStore(database: database)
    let authenticator = CredentialAuthenticator(
        store: credentials, staticTokens: configuration.agentTokens, allowAnonymous: configuration.allowUnauthenticatedAgents)
    let operators = OperatorDirectory(store: OperatorStore(database: database))
    let store = HubStore(
        startup: database, sqlite: database, writer: writer, log: CommandLog(writer: writer),
        history: CommandHistory(database: database), directory: AgentDirectory(writer: writer), wallets: WalletBook(writer: writer),
        credentials: credentials, authenticator: authenticator, operators: operators, idempotency: IdempotencyStore(database: database),
        maintenance: StoreMaintenance(
            database: database, commandRetention: configuration.commandRetention,
            idempotencyRetention: configuration.idempotencyRetention, logger: logger
        ),
        watcher: StoreWatcher(
            database: database, authenticator: authenticator, operators: operators,
            interval: configuration.credentialPollInterval, logger: logger
        )
    )
    try await loadCaches(store)
    return store
}

/// What every store's start-up reads into memory: wallets, credentials, operator accounts.
func loadCaches(_ store: HubStore) async throws {
    store.wallets.load(try await store.startup.storedWallets())
    try await store.authenticator.reload()
    try await store.operators.reload()
}

func recover(_ ended: Int, logger: Logger) {
    if ended > 0 {
        logger.notice("ended commands left unfinished by the previous run", metadata: ["commands": "\(ended)"])
    }
}
