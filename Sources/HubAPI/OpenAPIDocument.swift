import Foundation
import HubAPIDocument
import HubCore
import Hummingbird

/// The OpenAPI 3.1 document of the REST API (`Sources/HubAPIDocument/openapi.yaml`, embedded by
/// `Scripts/embed-openapi.py`), served at `/openapi.json` and `/openapi.yaml`, with a Swagger
/// UI page at `/docs`. A test checks that every route the hub registers is in the document and
/// every operation of the document is a route.
package enum OpenAPIDocument {
    /// Where the docs page loads Swagger UI from (a browser fetches it; the hub serves only the page).
    package static let swaggerUI = "https://unpkg.com/swagger-ui-dist@5"

    package static func register(on api: APIRouter) {
        api.add(.get, "/openapi.json", .open) { _, _ in Self.response(OpenAPIText.json, type: "application/json") }
        api.add(.get, "/openapi.yaml", .open) { _, _ in Self.response(OpenAPIText.yaml, type: "application/yaml") }
        api.add(.get, "/docs", .open) { _, _ in Self.response(Self.page, type: "text/html; charset=utf-8") }
    }

    package static func response(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Swagger UI on `/openapi.json`; its Authorize button logs in through `/api/auth/token`.
    static let page = """
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <title>CommandHub API</title>
          <link rel="stylesheet" href="\(swaggerUI)/swagger-ui.css">
        </head>
        <body>
          <div id="swagger-ui"></div>
          <noscript>The API document is at <a href="/openapi.json">/openapi.json</a> and <a href="/openapi.yaml">/openapi.yaml</a>.</noscript>
          <script src="\(swaggerUI)/swagger-ui-bundle.js"></script>
          <script>
            window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", persistAuthorization: true });
          </script>
        </body>
        </html>
        """
}
