import Hummingbird
import HummingbirdBcrypt
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// Assembles a hub from its configuration: the database (opened, checked, migrated, recovered
/// after a crash), the store's writer, registry, dispatcher, live events, the gRPC server with the
/// `AgentLink` service, and the REST router. The one wiring function; the executables and the
/// tests both call it.
///
/// Throws `ConfigurationError` for an invalid configuration (also for TLS files that cannot be
/// read or used, naming the key and the file) and `StoreError` for a database that cannot be
/// used; nothing has been started or written then, except the crash recovery.
public func buildHub(
    configuration: HubConfiguration,
    clock: MonotonicClock = .continuous,
    logger: Logger = Logger(label: "commandhub")
) throws -> Hub {
    try configuration.validate()
    let tls = try ListenerTLS.load(configuration, logger: logger)
    let database = try HubDatabase.open(path: configuration.storePath)
    let recovered = try database.recoverAfterRestart()
    if recovered > 0 {
        logger.notice("ended commands left unfinished by the previous run", metadata: ["commands": "\(recovered)"])
    }
    let writer = StoreWriter(database: database, logger: logger)
    let log = CommandLog(writer: writer)
    let history = CommandHistory(database: database)

    let registry = AgentRegistry()
    let directory = AgentDirectory(database: database, writer: writer)
    try directory.load(into: registry)
    directory.follow(registry)

    let dispatcher = CommandDispatcher(
        registry: registry, journal: log, clock: clock, deadlineResolution: configuration.deadlineResolution, logger: logger
    )
    let events = HubEvents(
        registry: registry, capacity: configuration.eventBufferCapacity, keepaliveInterval: configuration.eventKeepaliveInterval
    )
    events.follow(registry)
    events.follow(dispatcher)
    let wallets = WalletBook(writer: writer)
    try wallets.load(from: database)
    wallets.follow(dispatcher)
    let authenticator = try CredentialAuthenticator(
        store: CredentialStore(database: database),
        staticTokens: configuration.agentTokens, allowAnonymous: configuration.allowUnauthenticatedAgents
    )
    let reconciliations = ReconcileQueue(reconciler: StoreReconciler(
        history: history, dispatcher: dispatcher, window: configuration.reconcileWindow,
        timeout: configuration.defaultCommandTimeout, logger: logger
    ))
    let link = AgentLink(
        registry: registry, dispatcher: dispatcher, authenticator: authenticator, reconciliations: reconciliations,
        wallets: wallets, settings: .init(configuration: configuration), logger: logger
    )
    authenticator.onRevoked { name in link.closeSessions(credential: name, error: .credentialRevoked(name)) }
    let linkServer = AgentLinkServer(link: link, options: .init(
        host: configuration.grpcHost, port: configuration.grpcPort,
        keepaliveInterval: configuration.keepaliveInterval, keepaliveTimeout: configuration.keepaliveTimeout,
        drainTimeout: configuration.shutdownGracePeriod, tls: tls?.grpc
    ))

    let operators = try OperatorDirectory(store: OperatorStore(database: database))
    let hasher = PasswordHasher(cost: UInt8(configuration.bcryptCost))
    let signingKey = try configuration.jwtSecret.map { Array($0.utf8) }
        ?? database.secret(named: "operator_token_key", make: TokenIssuer.newKey)
    let tokens = TokenIssuer(key: signingKey, lifetime: configuration.tokenLifetime)

    let router = Router(context: HubRequestContext.self)
    // Before any route: middleware applies to the routes added after it.
    router.add(middleware: OperatorAuthentication(tokens: tokens, operators: operators))
    router.add(middleware: APIResponseHeaders())
    let api = APIRouter(router: router, catalogue: RouteCatalogue())
    AuthRoutes(
        operators: operators, hasher: hasher, tokens: tokens,
        throttle: LoginThrottle(limit: configuration.loginAttemptsPerMinute, window: 60),
        decoyHash: Bcrypt.hash(PasswordHasher.generate(), cost: UInt8(configuration.bcryptCost))
    ).register(on: api)
    CommandRoutes(
        registry: registry, dispatcher: dispatcher, log: log, wallets: wallets, idempotency: IdempotencyStore(database: database),
        configuration: configuration
    ).register(on: api)
    HistoryRoutes(history: history, writer: writer).register(on: api)
    EventRoutes(events: events).register(on: api)
    AdminRoutes(operators: operators, credentials: authenticator, hasher: hasher).register(on: api)
    let metrics = HubMetrics()
    metrics.follow(registry: registry, dispatcher: dispatcher)
    let boundHTTPPort = BoundPort()
    ObservabilityRoutes(
        metrics: metrics, registry: registry, dispatcher: dispatcher, writer: writer, grpcPort: linkServer.boundPort, httpPort: boundHTTPPort
    ).register(on: api)
    OpenAPIDocument.register(on: api)
    ConsoleRoutes().register(on: api)
    let connections = HTTPConnectionGuard.ConnectionCount(limit: configuration.httpMaxConnections)
    let http1 = HTTP1Channel.Configuration(
        additionalChannelHandlers: [HTTPConnectionGuard(timeout: .nanoseconds(configuration.httpRequestTimeout.wholeNanoseconds), connections: connections)],
        httpDecoderConfiguration: .init(maxHeaderFieldSize: 16 * 1024, maxHeaderListSize: 64 * 1024, maxHeaderFieldCount: 100)
    )
    let server: HTTPServerBuilder
    do {
        server = try tls.map { try .tls(.http1(configuration: http1), tlsConfiguration: $0.rest) } ?? .http1(configuration: http1)
    } catch {
        throw ConfigurationError.invalid(key: "tls.cert_file", reason: "cannot serve REST over TLS (\(error))")
    }
    let application = Application(
        responder: HubResponder(base: router.buildResponder(), routes: api.catalogue, logger: logger),
        server: server,
        configuration: .init(address: .hostname(configuration.httpHost, port: configuration.httpPort), serverName: "commandhub"),
        onServerRunning: { channel in
            if let port = channel.localAddress?.port { boundHTTPPort.publish(port) }
        },
        logger: logger
    )
    let store = HubStore(
        database: database, writer: writer, log: log, history: history, directory: directory, authenticator: authenticator,
        maintenance: StoreMaintenance(
            database: database, commandRetention: configuration.commandRetention,
            idempotencyRetention: configuration.idempotencyRetention, logger: logger
        ),
        watcher: StoreWatcher(
            database: database, authenticator: authenticator, operators: operators,
            interval: configuration.credentialPollInterval, logger: logger
        )
    )
    return Hub(
        configuration: configuration, store: store, registry: registry, dispatcher: dispatcher, events: events, link: link,
        linkServer: linkServer, reconciliations: reconciliations, application: application, boundHTTPPort: boundHTTPPort,
        operators: operators, tokens: tokens, routes: api.catalogue, metrics: metrics, logger: logger
    )
}
