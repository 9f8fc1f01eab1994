import HubCore
import Hummingbird
import Logging

/// Wraps the router so that every error leaves the API in the `{error, message, detail}` shape
/// existing clients parse: unknown paths, wrong methods and framework errors included.
/// Unexpected errors become a 500 `command_error` and are logged, never shown raw.
package struct HubResponder<Base: HTTPResponder>: HTTPResponder where Base.Context == HubRequestContext {
    package let base: Base
    package let routes: RouteCatalogue
    package let logger: Logger

    package init(
        base: Base,
        routes: RouteCatalogue,
        logger: Logger
    ) {
        self.base = base
        self.routes = routes
        self.logger = logger
    }

    package func respond(to request: Request, context: HubRequestContext) async throws -> Response {
        do {
            let response = try await self.base.respond(to: request, context: context)
            // The router answers unknown paths with a bare 404; every 404 of ours carries JSON.
            if response.status == .notFound, response.headers[.contentType] == nil {
                return try self.notFound(request, context)
            }
            return response
        } catch let error as HubError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError where error.status == .notFound {
            return try self.notFound(request, context)
        } catch let error as HTTPError {
            return try Self.translate(error, path: request.uri.path).response(from: request, context: context)
        } catch {
            self.logger.error("unexpected error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try HubError.commandError("internal error").response(from: request, context: context)
        }
    }

    /// 405 with `Allow` when the path exists with other methods, else 404.
    private func notFound(_ request: Request, _ context: HubRequestContext) throws -> Response {
        let allowed = self.routes.methods(forPath: request.uri.path)
        guard !allowed.isEmpty else {
            return try HubError.notFound(String(request.uri.path.prefix(256))).response(from: request, context: context)
        }
        var response = try HubError.methodNotAllowed.response(from: request, context: context)
        response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return response
    }

    private static func translate(_ error: HTTPError, path: String) -> HubError {
        switch error.status {
        case .notFound: .notFound(String(path.prefix(256)))
        case .methodNotAllowed: .methodNotAllowed
        case .contentTooLarge: .payloadTooLarge(limit: 64 * 1024)
        default: .badRequest(parameter: "request", reason: error.body ?? "\(error.status.reasonPhrase)")
        }
    }
}
