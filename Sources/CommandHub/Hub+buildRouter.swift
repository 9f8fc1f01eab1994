import HubAPI
import HubCore
import HubLink
import HubStorage
import Hummingbird
import HummingbirdBcrypt
import Logging

/// The REST API's routes, every one with who may call it, behind operator authentication.
/// Route tests can drive the router in-process without listeners.
func buildRouter(
    _ configuration: HubConfiguration, fleet: HubFleet, store: HubStore, tokens: TokenIssuer, ports: ObservabilityRoutes.Ports
) -> (router: Router<HubRequestContext>, routes: RouteCatalogue) {
    let hasher = PasswordHasher(cost: UInt8(configuration.bcryptCost))
    let router = Router(context: HubRequestContext.self)
    // Before any route: middleware applies to the routes added after it.
    router.add(middleware: OperatorAuthentication(tokens: tokens, operators: store.operators))
    router.add(middleware: APIResponseHeaders())
    let api = APIRouter(router: router, catalogue: RouteCatalogue())
    AuthRoutes(
        operators: store.operators, hasher: hasher, tokens: tokens,
        throttle: LoginThrottle(limit: configuration.loginAttemptsPerMinute, window: 60),
        decoyHash: Bcrypt.hash(PasswordHasher.generate(), cost: UInt8(configuration.bcryptCost))
    ).register(on: api)
    CommandRoutes(
        registry: fleet.registry, dispatcher: fleet.dispatcher, log: store.log, wallets: store.wallets,
        idempotency: store.idempotency,
        settings: .init(
            defaultTimeout: configuration.defaultCommandTimeout, maxTimeout: configuration.maxCommandTimeout,
            bulkConcurrency: configuration.bulkConcurrency
        ),
        cluster: store.cluster.map { ClusterForwarding(view: $0, logger: Logger(label: "commandhub.cluster")) }
    ).register(on: api)
    HistoryRoutes(history: store.history, writer: store.writer).register(on: api)
    EventRoutes(events: fleet.events).register(on: api)
    AdminRoutes(operators: store.operators, credentials: store.authenticator, hasher: hasher).register(on: api)
    ObservabilityRoutes(
        metrics: fleet.metrics, registry: fleet.registry, dispatcher: fleet.dispatcher, writer: store.writer, ports: ports
    ).register(on: api)
    OpenAPIDocument.register(on: api)
    ConsoleRoutes().register(on: api)
    return (router, api.catalogue)
}
