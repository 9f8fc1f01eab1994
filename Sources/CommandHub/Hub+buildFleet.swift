import HubAPI
import HubCore
import HubLink
import HubStorage
import Logging

/// The fleet: the registry of sessions (its known agents restored from the store), the
/// dispatcher, and everything that learns what happens to agents and commands — listed here,
/// in one place. After every final command: the command log, the live events, the metrics,
/// and the wallets of a `sync_wallets` answer. After every connect, update and disconnect: the
/// agent directory in the store, the live events, the metrics.
func buildFleet(
    _ configuration: HubConfiguration, store: HubStore, knownAgents: [AgentSnapshot], clock: MonotonicClock, logger: Logger
) throws -> HubFleet {
    let registry = AgentRegistry()
    store.directory.load(knownAgents, into: registry)
    let events = HubEvents(
        registry: registry, capacity: configuration.eventBufferCapacity, keepaliveInterval: configuration.eventKeepaliveInterval
    )
    let metrics = HubMetrics()
    let dispatcher = CommandDispatcher(
        registry: registry, journal: store.log, sinks: [events, metrics, WalletSyncResults(wallets: store.wallets)],
        clock: clock, deadlineResolution: configuration.deadlineResolution, logger: logger
    )
    store.directory.follow(registry)
    registry.observe { event in events.registryEvent(event) }
    metrics.follow(registry)
    let reconciler = Reconciler(
        history: store.history, dispatcher: dispatcher, window: configuration.reconcileWindow,
        timeout: configuration.defaultCommandTimeout, logger: logger
    )
    return HubFleet(registry: registry, dispatcher: dispatcher, reconciler: reconciler, events: events, metrics: metrics)
}

/// What the hub knows and does about its agents while it runs.
package struct HubFleet: Sendable {
    package let registry: AgentRegistry
    package let dispatcher: CommandDispatcher
    package let reconciler: Reconciler
    /// The live events of `GET /api/crypto/events/`.
    package let events: HubEvents
    /// The Prometheus registry behind `/metrics`.
    package let metrics: HubMetrics
}
