import HubCore
import HubStorage
import Hummingbird
import NIOCore

/// What monitoring reads, without a token (probes and scrapers do not log in; nothing here is
/// secret): `GET /metrics` (Prometheus text), `GET /healthz` (the process serves) and
/// `GET /readyz` (it can take commands: both listeners bound, the database accepts writes).
package struct ObservabilityRoutes {
    /// The listeners' bound ports: readiness needs both.

    package init(
        metrics: HubMetrics,
        registry: AgentRegistry,
        dispatcher: CommandDispatcher,
        writer: StoreWriter,
        ports: Ports
    ) {
        self.metrics = metrics
        self.registry = registry
        self.dispatcher = dispatcher
        self.writer = writer
        self.ports = ports
    }
    package struct Ports: Sendable {
        package let grpc: BoundPort
        package let http: BoundPort

        package init(
            grpc: BoundPort,
            http: BoundPort
        ) {
            self.grpc = grpc
            self.http = http
        }
    }

    package let metrics: HubMetrics
    package let registry: AgentRegistry
    package let dispatcher: CommandDispatcher
    package let writer: StoreWriter
    package let ports: Ports

    package func register(on api: APIRouter) {
        api.add(.get, "/metrics", .open) { _, _ in self.scrape() }
        api.add(.get, "/healthz", .open) { _, _ in JSON.object([("status", .string("ok"))]).response() }
        api.add(.get, "/readyz", .open) { _, _ in self.readiness() }
    }

    package func scrape() -> Response {
        let bytes = self.metrics.scrape(
            connected: self.registry.connectedCount, known: self.registry.knownCount, pending: self.dispatcher.pendingCount,
            storeUp: self.writer.isHealthy
        )
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    /// 200 when every check passes, else 503 naming the failing ones.
    package func readiness() -> Response {
        let checks: [(String, String?)] = [
            ("grpc_listener", self.ports.grpc.isPublished ? nil : "not listening"),
            ("http_listener", self.ports.http.isPublished ? nil : "not listening"),
            ("store", self.writer.failure),
        ]
        let ready = checks.allSatisfy { $0.1 == nil }
        return JSON.object([
            ("status", .string(ready ? "ready" : "not_ready")),
            ("checks", .object(checks.map { ($0.0, .string($0.1 ?? "ok")) })),
            ("agents_connected", .integer(self.registry.connectedCount)),
        ]).response(status: ready ? .ok : .serviceUnavailable)
    }
}
