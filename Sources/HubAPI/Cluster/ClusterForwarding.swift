import AsyncHTTPClient
import Foundation
import HTTPTypes
import HubCore
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// Several hubs on one store: a REST call on this hub for an agent whose stream another hub
/// holds is forwarded to that hub — the same method, path, query, body and credentials — and
/// its answer returned as is. The owner hub runs the one command path (idempotency included,
/// in the shared store), so the contract and its error mapping are the same wherever the call
/// lands. A forwarded request carries `CommandHub-Forwarded-By` and is never forwarded again.
package struct ClusterForwarding: Sendable {
    package static let forwardedHeader = HTTPField.Name("CommandHub-Forwarded-By")!
    /// A bulk action's part: the job it belongs to (created by the hub the call landed on).
    package static let jobHeader = HTTPField.Name("CommandHub-Job-Id")!

    package let view: any ClusterView
    let client: HTTPClient
    let logger: Logger

    package init(view: any ClusterView, client: HTTPClient = .shared, logger: Logger) {
        self.view = view
        self.client = client
        self.logger = logger
    }

    /// Whether `request` came from another hub (and must be served here, not forwarded).
    package static func isForwarded(_ request: Request) -> Bool {
        request.headers[Self.forwardedHeader] != nil
    }

    /// Headers that describe one connection, not the request: never copied across.
    private static let hopByHop: Set<String> = [
        "host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade", "te", "trailer",
        "proxy-connection", "proxy-authorization",
    ]

    /// Sends `request` (its body already collected) to `peer`; `dropping` names headers left
    /// out, `adding` headers set. Throws `Failure`.
    package func forward(
        _ request: Request, body: ByteBuffer, to peer: ClusterPeer, timeout: Duration,
        dropping: Set<String> = [], adding: [(HTTPField.Name, String)] = []
    ) async throws -> Answer {
        let url = peer.url + request.uri.path + (request.uri.query.map { "?" + $0 } ?? "")
        var outbound = HTTPClientRequest(url: url)
        outbound.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers {
            let name = field.name.canonicalName
            guard !Self.hopByHop.contains(name), !dropping.contains(name) else { continue }
            outbound.headers.add(name: field.name.rawName, value: field.value)
        }
        outbound.headers.replaceOrAdd(name: Self.forwardedHeader.rawName, value: self.view.hubID)
        for (name, value) in adding { outbound.headers.replaceOrAdd(name: name.rawName, value: value) }
        outbound.body = .bytes(body)
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await self.client.execute(outbound, timeout: .milliseconds(timeout.wholeMilliseconds))
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw Failure(error: error, reachedPeer: !Self.neverConnected(error))
        }
        var headers = HTTPFields()
        for (name, value) in response.headers where !Self.hopByHop.contains(name.lowercased()) {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Answer(status: HTTPResponse.Status(code: Int(response.status.code)), headers: headers, body: bytes)
    }

    /// Forwarding failed; `reachedPeer` unless it is certain nothing reached the other hub.
    package struct Failure: Error, CustomStringConvertible {
        package let error: any Error
        package let reachedPeer: Bool

        package var description: String { "\(self.error)" }
    }

    /// Whether `error` means no connection was ever made (so the request was never sent).
    private static func neverConnected(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? IOError, [ECONNREFUSED, EHOSTUNREACH, ENETUNREACH].contains(error.errnoCode) { return true }
        return false
    }

    /// Another hub's answer, read whole.
    package struct Answer: Sendable {
        package let status: HTTPResponse.Status
        package let headers: HTTPFields
        package let body: ByteBuffer

        /// The answer, passed on as this hub's.
        package var response: Response { Response(status: self.status, headers: self.headers, body: .init(byteBuffer: self.body)) }
    }
}
