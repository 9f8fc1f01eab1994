import HubCore
import Hummingbird
import Synchronization

/// The hub's REST routes, each registered with who may call it, and a catalogue of them.
///
/// Paths are written as the API documents them (`/api/crypto/commands/{client_id}/pause/`,
/// trailing slash included); the router matches them with or without the slash. Every route
/// names its `Access`: the check runs before the handler, so a handler never runs for a caller
/// who may not call it. The catalogue is what the OpenAPI test and the role matrix test walk.
package struct APIRouter {
    /// Who may call a route.
    package enum Access: Sendable, Equatable {
        /// Anyone, without a token (login, health, docs, metrics).
        case open
        /// An operator whose role allows the permission.
        case requires(Permission)
    }

    /// One registered route.
    package struct Route: Sendable, Equatable {
        package let method: HTTPRequest.Method
        /// The documented path, e.g. `/api/crypto/history/{command_id}/`.
        package let path: String
        package let access: Access

        package init(
            method: HTTPRequest.Method,
            path: String,
            access: Access
        ) {
            self.method = method
            self.path = path
            self.access = access
        }
    }

    package let router: Router<HubRequestContext>
    package let catalogue: RouteCatalogue

    package init(
        router: Router<HubRequestContext>,
        catalogue: RouteCatalogue
    ) {
        self.router = router
        self.catalogue = catalogue
    }

    @discardableResult
    package func add(
        _ method: HTTPRequest.Method, _ path: String, _ access: Access,
        _ handler: @escaping @Sendable (Request, HubRequestContext) async throws -> Response
    ) -> Self {
        self.catalogue.append(Route(method: method, path: path, access: access))
        self.router.on(RouterPath(Self.routerPath(path)), method: method) { request, context in
            if case .requires(let permission) = access { try context.authorize(permission) }
            return try await handler(request, context)
        }
        return self
    }

    /// `/a/{b}/c/` → `a/:b/c`, Hummingbird's pattern for the same path.
    package static func routerPath(_ path: String) -> String {
        path.split(separator: "/").map { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? ":" + segment.dropFirst().dropLast() : String(segment)
        }.joined(separator: "/")
    }
}

/// Every route the hub serves, in registration order.
package final class RouteCatalogue: Sendable {
    private let routes = Mutex<[APIRouter.Route]>([])

    package init() {}

    package func append(_ route: APIRouter.Route) {
        self.routes.withLock { $0.append(route) }
    }

    package var all: [APIRouter.Route] { self.routes.withLock { $0 } }

    /// The methods routes accept on `path` (a request path, with or without the trailing
    /// slash); empty when no route has this path.
    package func methods(forPath path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        return self.all.filter { route in
            let pattern = route.path.split(separator: "/")
            guard pattern.count == segments.count else { return false }
            return zip(pattern, segments).allSatisfy { expected, actual in
                (expected.hasPrefix("{") && expected.hasSuffix("}")) || expected == actual
            }
        }.map(\.method)
    }
}
