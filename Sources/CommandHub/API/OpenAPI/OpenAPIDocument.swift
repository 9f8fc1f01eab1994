import Foundation
import Hummingbird

/// The OpenAPI 3.1 document of the REST API (`openapi.yaml` next to this file, embedded by
/// `Scripts/embed-openapi.py`), served at `/openapi.json` and `/openapi.yaml`; the console
/// renders it at `/docs` (`ConsoleRoutes`). A test checks that every route the hub registers
/// is in the document and every operation of the document is a route.
enum OpenAPIDocument {
    static func register(on api: APIRouter) {
        api.add(.get, "/openapi.json", .open) { _, _ in Self.response(Self.json, type: "application/json") }
        api.add(.get, "/openapi.yaml", .open) { _, _ in Self.response(Self.yaml, type: "application/yaml") }
    }

    static func response(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
