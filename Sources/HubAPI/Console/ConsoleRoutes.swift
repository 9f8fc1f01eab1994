import ConsoleAssets
import HubCore
import HTTPTypes
import Hummingbird
import NIOCore
import Wire

/// The operator console at `/ui/` and the API reference at `/docs`, served from the files
/// embedded in the binary (`ConsoleAssets`), on the REST listener (and its TLS).
///
/// The pages need no token: they are the same for everyone and hold no data; the console's
/// scripts fetch data from the API with the operator's token, and the API enforces every
/// permission. `/docs` is the console's shell, which shows the API reference rendered from
/// `/openapi.json`; nothing is loaded from anywhere but the hub.
///
/// Every file is answered with a strict Content-Security-Policy (scripts and styles from the
/// hub only, no inline script, no `eval`, no HTML string sinks through Trusted Types), with
/// `nosniff`, and with an ETag; `Cache-Control: no-cache` has a browser revalidate (a 304 when
/// unchanged), so an upgraded hub never runs with a stale script.
package struct ConsoleRoutes {
    package static let contentSecurityPolicy = [
        "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
        "require-trusted-types-for 'script'", "trusted-types 'none'",
    ].joined(separator: "; ")

    package static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    package static let frameOptions = HTTPField.Name("X-Frame-Options")!
    package static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!

    /// The shell every console URL and `/docs` answer with.
    package static let shell = "index.html"

    /// A file ready to send: its bytes and the headers of a 200.
    package struct Prepared: Sendable {
        package let body: ByteBuffer
        package let etag: String
        package let headers: HTTPFields

        package init(
            body: ByteBuffer,
            etag: String,
            headers: HTTPFields
        ) {
            self.body = body
            self.etag = etag
            self.headers = headers
        }
    }

    package let files: [String: Prepared]

    package init(assets: [ConsoleAsset] = ConsoleAsset.all) {
        var files: [String: Prepared] = [:]
        for asset in assets {
            let headers: HTTPFields = [
                .contentType: asset.contentType,
                .eTag: asset.etag,
                .cacheControl: "no-cache",
                .contentSecurityPolicy: Self.contentSecurityPolicy,
                .xContentTypeOptions: "nosniff",
                Self.referrerPolicy: "no-referrer",
                Self.frameOptions: "DENY",
                Self.openerPolicy: "same-origin",
            ]
            files[asset.name] = Prepared(body: ByteBuffer(string: asset.text), etag: asset.etag, headers: headers)
        }
        self.files = files
    }

    package func register(on api: APIRouter) {
        api.add(.get, "/ui/", .open) { request, _ in try self.serve(Self.shell, request) }
        api.add(.get, "/ui/{file}", .open) { request, context in try self.serve(context.parameters.get("file") ?? "", request) }
        api.add(.get, "/docs", .open) { request, _ in try self.serve(Self.shell, request) }
    }

    /// The file, or 304 when the request's `If-None-Match` names its ETag; 404 for no such file.
    package func serve(_ name: String, _ request: Request) throws(HubError) -> Response {
        guard let file = self.files[name] else { throw .notFound(String(request.uri.path.prefix(256))) }
        if let validators = request.headers[.ifNoneMatch], Self.matches(validators, file.etag) {
            var headers = file.headers
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: file.headers, body: .init(byteBuffer: file.body))
    }

    /// Whether an `If-None-Match` value (`*`, or a list of possibly weak ETags) names `etag`.
    package static func matches(_ validators: String, _ etag: String) -> Bool {
        validators.split(separator: ",").contains { raw in
            let validator = raw.trimmedOfSpaces
            return validator == "*" || validator == etag || validator == "W/\(etag)"
        }
    }
}
