import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A REST caller for the hub under test, over a real HTTP/1.1 socket. With a `token`, every
/// request carries `Authorization: Bearer <token>` unless the request names its own. An event
/// stream's answer is its head only. With a `tlsClient`, requests go over HTTPS through that
/// client (which trusts the test CA).
struct RESTClient: Sendable {
    let port: Int
    var token: String?
    /// Nil: plaintext HTTP through `HTTPClient.shared`.
    var tlsClient: HTTPClient?

    init(port: Int, token: String? = nil, tlsClient: HTTPClient? = nil) {
        self.port = port
        self.token = token
        self.tlsClient = tlsClient
    }

    /// The same client acting with another token (nil: none at all).
    func with(token: String?) -> RESTClient { RESTClient(port: self.port, token: token, tlsClient: self.tlsClient) }

    /// The same client going through another HTTPS client (one trusting other roots, say).
    func with(tlsClient: HTTPClient) -> RESTClient { RESTClient(port: self.port, token: self.token, tlsClient: tlsClient) }

    /// The same client speaking plaintext HTTP to the same port.
    func plaintext() -> RESTClient { RESTClient(port: self.port, token: self.token) }

    var base: String { "\(self.tlsClient == nil ? "http" : "https")://127.0.0.1:\(self.port)" }

    /// Runs `body` with an HTTPS client trusting only the CA certificates in `caFile` (nil: the
    /// system's roots), shut down when `body` is done.
    static func withHTTPSClient<T: Sendable>(
        trusting caFile: String?, connectTimeout: TimeAmount = .seconds(10), _ body: (HTTPClient) async throws -> T
    ) async throws -> T {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile { tls.trustRoots = .file(caFile) }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.timeout.connect = connectTimeout
        let client = HTTPClient(configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    func get(_ path: String, headers: [(String, String)] = []) async throws -> RESTResponse {
        try await self.send(.GET, path, headers: headers)
    }

    func post(_ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> RESTResponse {
        try await self.send(.POST, path, body: body, headers: headers)
    }

    func send(
        _ method: HTTPMethod, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        contentType: String = "application/json"
    ) async throws -> RESTResponse {
        var request = HTTPClientRequest(url: self.base + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let token, !headers.contains(where: { $0.0.lowercased() == "authorization" }) {
            request.headers.add(name: "authorization", value: "Bearer \(token)")
        }
        if let body {
            request.headers.add(name: "content-type", value: contentType)
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await (self.tlsClient ?? HTTPClient.shared).execute(request, timeout: .seconds(60))
        if response.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true {
            // An event stream does not end by itself: only its head is returned (dropping the
            // body closes the connection). `EventStream` reads one.
            return RESTResponse(status: Int(response.status.code), headers: response.headers, text: "")
        }
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return RESTResponse(status: Int(response.status.code), headers: response.headers, text: String(buffer: bytes))
    }
}

/// A response: status, headers, the raw body text and its parsed JSON.
struct RESTResponse: Sendable, CustomStringConvertible {
    let status: Int
    let headers: HTTPHeaders
    let text: String

    var json: JSONValue { JSONValue.parse(self.text) }

    /// The first value of a header, if present.
    func header(_ name: String) -> String? { self.headers.first(name: name) }

    /// Whether the object's keys appear in the body in this order (the order the REST contract fixes).
    func keysInOrder(_ keys: [String]) -> Bool {
        var from = self.text.startIndex
        for key in keys {
            guard let range = self.text.range(of: "\"\(key)\":", range: from..<self.text.endIndex) else { return false }
            from = range.upperBound
        }
        return true
    }

    var description: String { "\(self.status) \(self.text.prefix(2000))" }
}

/// A parsed JSON document for field-by-field checks.
enum JSONValue: Sendable, Equatable, Decodable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
    /// The body was not JSON.
    case invalid

    static func parse(_ text: String) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) ?? .invalid
    }

    subscript(key: String) -> JSONValue {
        if case .object(let members) = self { return members[key] ?? .invalid }
        return .invalid
    }

    subscript(index: Int) -> JSONValue {
        if case .array(let elements) = self, elements.indices.contains(index) { return elements[index] }
        return .invalid
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    var int: Int? { if case .number(let value) = self, value == value.rounded() { Int(value) } else { nil } }
    var double: Double? { if case .number(let value) = self { value } else { nil } }
    var array: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    var keys: Set<String> { if case .object(let members) = self { Set(members.keys) } else { [] } }
    var isNull: Bool { self == .null }
}
