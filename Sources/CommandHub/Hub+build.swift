import DaemonSupport
import HubAPI
import HubCore
import HubLink
import HubStorage
import Hummingbird
import HummingbirdBcrypt
import HummingbirdCore
import HummingbirdTLS
import Logging

/// Assembles a hub from its configuration, in the order its parts depend on each other: the
/// store (opened, checked, migrated, recovered after a crash), the fleet (registry, dispatcher
/// and what learns of every command), the agent link, the REST application. The one wiring
/// entry point; the executables and the tests both call it, and each step is a small builder
/// of its own (`Hub+build*.swift`).
///
/// Throws `ConfigurationError` for an invalid configuration (also for TLS files that cannot be
/// read or used, naming the key and the file) and `StoreError` for a database that cannot be
/// used; nothing has been started or written then, except the crash recovery.
public func buildHub(configuration: HubConfiguration, logger: Logger = Logger(label: "commandhub")) async throws -> Hub {
    try await buildHub(configuration: configuration, clock: .continuous, logger: logger)
}

/// `buildHub(configuration:logger:)` on a clock of the caller's (tests move time themselves).
package func buildHub(configuration: HubConfiguration, clock: MonotonicClock, logger: Logger) async throws -> Hub {
    try configuration.validate()
    let tls = try ListenerTLS.load(configuration, logger: logger)
    let store = try await buildStore(configuration, logger: logger)
    let fleet = try buildFleet(
        configuration, store: store, knownAgents: try await store.startup.knownAgents(), clock: clock, logger: logger)
    let linkServer = buildLink(configuration, fleet: fleet, store: store, tls: tls, logger: logger)
    let api = try await buildAPI(configuration, fleet: fleet, store: store, linkServer: linkServer, tls: tls, logger: logger)
    if let member = store.cluster {
        connectCluster(
            member, configuration: configuration, fleet: fleet, link: linkServer.link, writer: store.writer, httpPort: api.boundPort)
    }
    return Hub(configuration: configuration, store: store, fleet: fleet, linkServer: linkServer, api: api, logger: logger)
}
