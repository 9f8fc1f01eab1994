import Foundation
import HubAPIDocument
import HubCore
import Hummingbird

/// The OpenAPI 3.1 document of the REST API (`Sources/HubAPIDocument/openapi.yaml`, embedded
/// by `Scripts/embed-openapi.py`), served at `/openapi.json` and `/openapi.yaml`; the console
/// renders it at `/docs` (`ConsoleRoutes`). A test checks that every route the hub registers
/// is in the document and every operation of the document is a route.
package enum OpenAPIDocument {
    package static func register(on api: APIRouter) {
        api.add(.get, "/openapi.json", .open) { _, _ in Self.response(OpenAPIText.json, type: "application/json") }
        api.add(.get, "/openapi.yaml", .open) { _, _ in Self.response(OpenAPIText.yaml, type: "application/yaml") }
    }

    package static func response(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
