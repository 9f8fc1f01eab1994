import Foundation
import HTTPTypes
import HubCore
import Hummingbird

/// The one mapping of hub errors to HTTP: status plus the `{error, message, detail}` body clients parse.
extension HubError: HTTPResponseError {
    package var status: HTTPResponse.Status {
        switch self {
        case .clientNotFound, .notFound, .commandNotFound, .jobNotFound, .credentialNotFound, .operatorNotFound: .notFound
        case .storeUnavailable: .serviceUnavailable
        case .hubLost: .badGateway
        case .idempotencyKeyReused: .unprocessableContent
        case .idempotencyInProgress, .credentialExists, .operatorExists: .conflict
        case .idempotencyKeyRequired: .preconditionRequired
        case .clientNotConnected, .shuttingDown: .serviceUnavailable
        case .commandTimeout: .gatewayTimeout
        case .commandError: .internalServerError
        case .badRequest, .invalidHello, .helloRequired, .undecodableMessage: .badRequest
        case .methodNotAllowed, .methodNotFound: .methodNotAllowed
        case .notGRPC, .unsupportedCompression: .unsupportedMediaType
        case .payloadTooLarge, .messageTooLarge: .contentTooLarge
        case .flooding: .tooManyRequests
        case .unauthenticated, .credentialRevoked, .invalidLogin: .unauthorized
        case .forbidden: .forbidden
        case .tooManyLoginAttempts: .tooManyRequests
        case .sessionReplaced, .livenessTimeout, .helloTimeout: .serviceUnavailable
        }
    }

    package func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = self.body.response(status: self.status)
        switch self {
        case .unauthenticated: response.headers[.wwwAuthenticate] = "Bearer"
        case .tooManyLoginAttempts(let seconds): response.headers[.retryAfter] = String(seconds)
        default: break
        }
        return response
    }

    /// The error body existing clients parse: `{error, message, detail}`.
    package var body: JSON {
        .object([("error", .string(self.code)), ("message", .string(self.message)), ("detail", .string(self.detail))])
    }
}
