import Foundation
import HubCore
import Hummingbird
import NIOCore

/// `GET /api/crypto/events/` — the hub's live events as server-sent events, for dashboards and
/// `commandhub ctl watch`.
///
/// `?types=agent_connected,command_finished` keeps only those kinds (400 naming `types` for an
/// unknown one). The subscription is made before the response head is sent, so a client that
/// has the head sees every event that happens afterwards. The stream ends when the client goes
/// away, after an overflow notice when the client fell behind, and on graceful shutdown.
package struct EventRoutes {
    package let events: HubEvents

    package init(
        events: HubEvents
    ) {
        self.events = events
    }

    package func register(on api: APIRouter) {
        api.add(.get, "/api/crypto/events/", .requires(.read)) { request, context in try self.stream(request, context) }
    }

    package func stream(_ request: Request, _ context: HubRequestContext) throws -> Response {
        let kinds = try Self.kinds(RequestParameters(request: request, context: context).query("types"))
        let channel = context.channel
        let subscription = try self.events.subscribe(kinds: kinds) { channel.close(promise: nil) }
        let body = ResponseBody { writer in
            defer { subscription.finish() }
            try await request.body.consumeWithInboundCloseHandler { _ in
                try await Self.pump(subscription, into: &writer)
            } onInboundClosed: {
                subscription.cancel()
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-store"], body: body)
    }

    /// Writes deliveries until the stream ends.
    private static func pump(_ subscription: EventSubscription, into writer: inout any ResponseBodyWriter) async throws {
        while true {
            switch await subscription.next() {
            case .event(let id, let event):
                try await writer.write(EventStreamFrame.event(id: id, event))
            case .keepalive:
                try await writer.write(EventStreamFrame.keepalive)
            case .overflow(let lastDelivered, let capacity):
                try await writer.write(EventStreamFrame.overflow(lastDelivered: lastDelivered, capacity: capacity))
                return
            case .end:
                return
            }
        }
    }

    /// The kinds named by `types` (comma-separated); all of them when absent or empty.
    package static func kinds(_ raw: String?) throws(HubError) -> Set<HubEvent.Kind> {
        guard let raw, !raw.isEmpty else { return Set(HubEvent.Kind.allCases) }
        var kinds = Set<HubEvent.Kind>()
        for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let kind = HubEvent.Kind(rawValue: name) else {
                throw .badRequest(
                    parameter: "types",
                    reason:
                        "\"\(name.prefix(64))\" is not an event type; use \(HubEvent.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            kinds.insert(kind)
        }
        return kinds
    }
}
