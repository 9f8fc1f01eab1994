import HubAPI
import HubCore
import HubLink
import HubStorage
import Logging

/// The store: the database opened and recovered after a crash (commands a killed hub left
/// unfinished end `undeliverable`), its one writer, and what reads and keeps it.
func buildStore(_ configuration: HubConfiguration, logger: Logger) throws -> HubStore {
    let database = try HubDatabase.open(path: configuration.storePath)
    let recovered = try database.recoverAfterRestart()
    if recovered > 0 {
        logger.notice("ended commands left unfinished by the previous run", metadata: ["commands": "\(recovered)"])
    }
    let writer = StoreWriter(database: database, logger: logger)
    let wallets = WalletBook(writer: writer)
    try wallets.load(from: database)
    let authenticator = try CredentialAuthenticator(
        store: CredentialStore(database: database),
        staticTokens: configuration.agentTokens, allowAnonymous: configuration.allowUnauthenticatedAgents
    )
    let operators = try OperatorDirectory(store: OperatorStore(database: database))
    return HubStore(
        database: database, writer: writer, log: CommandLog(writer: writer), history: CommandHistory(database: database),
        directory: AgentDirectory(database: database, writer: writer), wallets: wallets, authenticator: authenticator,
        operators: operators, idempotency: IdempotencyStore(database: database),
        maintenance: StoreMaintenance(
            database: database, commandRetention: configuration.commandRetention,
            idempotencyRetention: configuration.idempotencyRetention, logger: logger
        ),
        watcher: StoreWatcher(
            database: database, authenticator: authenticator, operators: operators,
            interval: configuration.credentialPollInterval, logger: logger
        )
    )
}
