import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The hub's REST API as `commandhub ctl` calls it: one base URL, an optional bearer token.
///
/// Every call returns the hub's answer, success or error, as a `HubReply`; only a hub that
/// cannot be reached (or does not answer before the deadline) throws, with the exit status to
/// end with. Nothing here retries.
struct HubClient: Sendable {
    /// `http://host:port` without a trailing slash.
    let baseURL: String
    let token: String?

    /// The process's one HTTP client (never shut down: it lives as long as the command). Unlike
    /// `HTTPClient.shared` it fails at once when nothing listens — a refused connection is not
    /// retried until the deadline — has no read timeout (a command may take its full `timeout`,
    /// an event stream is quiet between keepalives), and does not follow redirects with the token.
    static let http: HTTPClient = {
        var configuration = HTTPClient.Configuration.singletonConfiguration
        configuration.timeout = .init(connect: .seconds(10), read: nil)
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    /// The methods the hub's API uses here.
    enum Method: Sendable {
        case get, post

        var http: HTTPMethod { self == .get ? .GET : .POST }
    }

    /// The hub's answer: status, the body as sent, and (lazily) its JSON.
    struct Reply: Sendable {
        let status: Int
        let text: String

        var json: JSONValue { JSONValue.parse(self.text) }
        var isSuccess: Bool { (200..<300).contains(self.status) }
    }

    /// A query string from name/value pairs; nil values are left out, values percent-encoded.
    static func query(_ items: [(String, String?)]) -> String {
        let present = items.compactMap { name, value in value.map { "\(name)=\(Self.encode($0))" } }
        return present.isEmpty ? "" : "?" + present.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters (`=`, `,`, `!` in selectors included).
    static func encode(_ value: String) -> String {
        let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
    }

    /// Sends one request; `path` includes its query. `deadline` bounds the whole exchange.
    func send(
        _ method: Method, _ path: String, body: String? = nil, headers: [(String, String)] = [],
        deadline: TimeAmount = .seconds(60)
    ) async throws -> Reply {
        let request = self.request(method, path, body: body, headers: headers)
        do {
            let response = try await Self.http.execute(request, timeout: deadline)
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return Reply(status: Int(response.status.code), text: String(buffer: bytes))
        } catch {
            throw self.failure(error)
        }
    }

    /// Opens a long-lived GET (an event stream): returns the status and the body to read.
    func open(_ path: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        do {
            return try await Self.http.execute(self.request(.get, path, body: nil, headers: headers), deadline: .distantFuture)
        } catch {
            throw self.failure(error)
        }
    }

    private func request(_ method: Method, _ path: String, body: String?, headers: [(String, String)]) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method.http
        request.headers.add(name: "user-agent", value: "commandhub-ctl")
        if let token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        return request
    }

    /// The exit for a request that got no answer: 5 when it ran out of time, else 69.
    func failure(_ error: any Error) -> any Error {
        if error is CancellationError { return error }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return CtlExit.fail(CtlExit.unavailable, "no answer from \(self.baseURL) in time")
        }
        return CtlExit.fail(CtlExit.unreachable, "cannot reach the hub at \(self.baseURL): \(error)")
    }
}
