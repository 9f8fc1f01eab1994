import Hummingbird

/// Headers every API answer carries unless its route set its own: `Cache-Control: no-store`
/// on `/api/…` (what a token reads — fleets, wallets, history — must not stay in a browser's or
/// a proxy's cache, nor come back from it after logout) and `X-Content-Type-Options: nosniff`
/// on everything, so a browser never runs a JSON body as a script.
///
/// Errors thrown by a route pass through untouched; `HubResponder` turns them into bodies.
package struct APIResponseHeaders: RouterMiddleware {
    package init() {}

    package typealias Context = HubRequestContext

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        if request.uri.path.hasPrefix("/api/"), response.headers[.cacheControl] == nil {
            response.headers[.cacheControl] = "no-store"
        }
        if response.headers[.xContentTypeOptions] == nil {
            response.headers[.xContentTypeOptions] = "nosniff"
        }
        return response
    }
}
