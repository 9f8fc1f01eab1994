import DaemonSupport
import Foundation
import HubCore
import HubPostgres
import HubStorage
import Logging

/// The store in PostgreSQL: the client started, the schema migrated (one hub at a time), this
/// hub's own unfinished work recovered, and a probe that keeps `/readyz` and new commands honest
/// about whether the server answers. Credentials and accounts other hubs change are reloaded
/// every `store.credential_poll_ms`.
func buildPostgresStore(_ configuration: HubConfiguration, url: String, logger: Logger) async throws -> HubStore {
    let location = try PostgresLocation(url: url)
    let hubID = try configuration.hubID ?? HubIdentity.localID(nextTo: configuration.storePath)
    let postgres = PostgresStore(location: location, hubID: hubID, logger: logger)
    let connection = postgres.start()
    let member: PostgresClusterMember
    do {
        try await postgres.migrate()
        // Joining first fences any earlier incarnation of this hub id before its work is ended.
        member = try await PostgresClusterMember.join(
            PostgresCluster(client: postgres.client, hubID: hubID, lease: configuration.clusterLease, logger: logger), logger: logger)
        recover(try await postgres.recoverAfterRestart(now: Date()), logger: logger)
    } catch {
        connection.running.cancel()
        throw error
    }
    logger.info("store: PostgreSQL", metadata: ["store": "\(location)", "hub_id": "\(hubID)"])
    let writer = StoreWriter(
        committer: PostgresCommitter(client: postgres.client, hubID: hubID, fence: member.fence, logger: logger), logger: logger)
    let credentials = postgres.credentials
    let authenticator = CredentialAuthenticator(
        store: credentials, staticTokens: configuration.agentTokens, allowAnonymous: configuration.allowUnauthenticatedAgents)
    let operators = OperatorDirectory(store: postgres.operators)
    let store = HubStore(
        startup: postgres, sqlite: nil, writer: writer, log: CommandLog(writer: writer), history: postgres.history,
        directory: AgentDirectory(writer: writer), wallets: WalletBook(writer: writer), credentials: credentials,
        authenticator: authenticator, operators: operators, idempotency: postgres.idempotency,
        maintenance: PostgresMaintenance(
            client: postgres.client, commandRetention: configuration.commandRetention,
            idempotencyRetention: configuration.idempotencyRetention, logger: logger
        ),
        watcher: StoreServices(
            CacheReloader(
                authenticator: authenticator, operators: operators, interval: configuration.credentialPollInterval, logger: logger),
            StoreProbe(writer: writer, interval: .seconds(1))
        ),
        connection: connection,
        cluster: member
    )
    try await loadCaches(store)
    return store
}
