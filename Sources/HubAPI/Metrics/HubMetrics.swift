import CoreMetrics
import Foundation
import HubCore
import Prometheus
import Synchronization
import Wire

/// The hub's Prometheus metrics, through swift-metrics' API on a registry of its own (so two
/// hubs in one process, as in the tests, never share counters).
///
/// Hot path: a finished command costs one counter increment and, when answered, one histogram
/// record — both on handles created up front (no label lookup, no allocation per command).
/// Gauges that are cheap to read (connected agents, pending commands) are read when scraped.
package final class HubMetrics: CommandSink {
    package static let actions = ["pause", "resume", "ping", "sync_wallets", "request_status", "sell"]
    package static let finalStates = CommandState.allCases.filter(\.isFinal)

    package let registry: PrometheusCollectorRegistry
    package let factory: PrometheusMetricsFactory
    /// `[action][state]`, indices as in `actions` and `finalStates`.
    private let commands: [[CoreMetrics.Counter]]
    private let roundTrips: [CoreMetrics.Timer]
    private let connections: CoreMetrics.Counter
    private let reconnects: CoreMetrics.Counter
    private let replacements: CoreMetrics.Counter
    private let disconnections: CoreMetrics.Counter
    private let connectedAgents: CoreMetrics.Gauge
    private let pendingCommands: CoreMetrics.Gauge
    private let knownAgents: CoreMetrics.Gauge
    /// 1 while the store accepts writes (and PostgreSQL answers), 0 while it does not.
    private let storeUp: CoreMetrics.Gauge
    /// Agents connected at least once (or known from the database): the next connect is a reconnect.
    private let seen = Mutex<Set<UUID>>([])

    package init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets["commandhub_command_round_trip_seconds"] = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30),
        ]
        self.registry = registry
        self.factory = factory
        self.commands = Self.actions.map { action in
            Self.finalStates.map { state in
                CoreMetrics.Counter(
                    label: "commandhub_commands_total", dimensions: [("action", action), ("state", state.rawValue)], factory: factory)
            }
        }
        self.roundTrips = Self.actions.map { action in
            CoreMetrics.Timer(label: "commandhub_command_round_trip_seconds", dimensions: [("action", action)], factory: factory)
        }
        self.connections = CoreMetrics.Counter(label: "commandhub_agent_connections_total", factory: factory)
        self.reconnects = CoreMetrics.Counter(label: "commandhub_agent_reconnects_total", factory: factory)
        self.replacements = CoreMetrics.Counter(label: "commandhub_agent_sessions_replaced_total", factory: factory)
        self.disconnections = CoreMetrics.Counter(label: "commandhub_agent_disconnections_total", factory: factory)
        self.connectedAgents = CoreMetrics.Gauge(label: "commandhub_agents_connected", factory: factory)
        self.pendingCommands = CoreMetrics.Gauge(label: "commandhub_commands_pending", factory: factory)
        self.knownAgents = CoreMetrics.Gauge(label: "commandhub_agents_known", factory: factory)
        self.storeUp = CoreMetrics.Gauge(label: "commandhub_store_up", factory: factory)
    }

    /// Counts a finished command; answered ones also record their round trip (sent → ack).
    package func commandFinished(_ report: CommandReport) {
        guard let action = Self.actions.firstIndex(of: report.action.name),
            let state = Self.finalStates.firstIndex(of: report.state)
        else { return }
        self.commands[action][state].increment()
        if report.ack != nil, let sentAt = report.sentAt {
            self.roundTrips[action].recordNanoseconds(Int64(report.finishedAt.timeIntervalSince(sentAt) * 1e9))
        }
    }

    /// Counts an agent session starting; a reconnect is a known agent connecting again.
    package func connected(_ agentID: UUID, replaced: Bool) {
        self.connections.increment()
        if !self.seen.withLock({ $0.insert(agentID).inserted }) { self.reconnects.increment() }
        if replaced { self.replacements.increment() }
    }

    package func disconnected() {
        self.disconnections.increment()
    }

    /// The exposition text, with the sampled gauges brought up to date first.
    package func scrape(connected: Int, known: Int, pending: Int, storeUp: Bool = true) -> [UInt8] {
        self.storeUp.record(storeUp ? 1 : 0)
        self.connectedAgents.record(connected)
        self.knownAgents.record(known)
        self.pendingCommands.record(pending)
        return self.registry.emitToBuffer()
    }

    /// Counts connects and disconnects the registry reports; every agent it knows already is
    /// a reconnect when it connects.
    package func follow(_ registry: AgentRegistry) {
        self.seen.withLock { $0.formUnion(registry.all().map(\.agentID)) }
        registry.observe { [weak self] event in
            switch event {
            case .connected(let snapshot, let replaced): self?.connected(snapshot.identity.agentID, replaced: replaced)
            case .disconnected: self?.disconnected()
            case .updated: break
            }
        }
    }
}
