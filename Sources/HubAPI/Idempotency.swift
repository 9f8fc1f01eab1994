import Foundation
import HTTPTypes
import HubCore
import HubStorage
import Hummingbird

/// The `Idempotency-Key` contract of every REST write, in one place.
///
/// Without the header the request simply runs. With it, the key is claimed durably for the
/// caller before anything is sent; a repeat of the same request gets the stored answer (with
/// `Idempotent-Replayed: true`) and sends nothing; the same key for a different request is 422;
/// a repeat while the first still runs is 409. A request that sent nothing releases its key.
package struct Idempotency: Sendable {
    package static let header = HTTPField.Name("Idempotency-Key")!
    package static let replayedHeader = HTTPField.Name("Idempotent-Replayed")!

    package let store: any IdempotencyRecords

    package init(
        store: any IdempotencyRecords
    ) {
        self.store = store
    }

    package func run(
        _ request: Request, _ context: HubRequestContext,
        _ body: (Request, CommandOrigin) async throws(HubError) -> APIResult
    ) async throws -> Response {
        var request = request
        let caller = context.caller
        guard let key = request.headers[Self.header] else {
            return await Self.answer(request, CommandOrigin(requestedBy: caller), body).response
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw HubError.badRequest(parameter: "Idempotency-Key", reason: "must be 1-255 visible ASCII characters")
        }
        let bytes = try await request.collectBody(upTo: context.maxUploadSize)
        let fingerprint = IdempotencyStore.fingerprint(
            method: request.method.rawValue, path: request.uri.path,
            query: request.uri.queryParameters.map { (String($0.key), String($0.value)) },
            body: Array(buffer: bytes)
        )
        switch try await self.store.claim(caller: caller, key: key, fingerprint: fingerprint) {
        case .replay(let status, let stored):
            var response = Response(
                status: HTTPResponse.Status(code: status),
                headers: [.contentType: "application/json; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: stored))
            )
            response.headers[Self.replayedHeader] = "true"
            return response
        case .mismatch:
            throw HubError.idempotencyKeyReused(key)
        case .inProgress:
            throw HubError.idempotencyInProgress(key)
        case .claimed:
            break
        }
        let result = await Self.answer(request, CommandOrigin(requestedBy: caller, idempotencyKey: key), body)
        if result.delivered {
            try await self.store.complete(caller: caller, key: key, status: Int(result.status.code), body: Data(result.body.serialized()))
        } else {
            try await self.store.release(caller: caller, key: key)
        }
        return result.response
    }

    /// The handler's result, or its error as an answer that reached nobody.
    private static func answer(
        _ request: Request, _ origin: CommandOrigin,
        _ body: (Request, CommandOrigin) async throws(HubError) -> APIResult
    ) async -> APIResult {
        do {
            return try await body(request, origin)
        } catch {
            return APIResult(error: error, delivered: false)
        }
    }
}
