import Foundation
import Wire

/// Every error the hub reports, with a stable machine-readable `code`.
///
/// Domain code throws these; `HubError+HTTPResponseError` maps them to HTTP responses (the
/// `{error, message, detail}` body clients parse) and `HubError+GRPCStatus` to gRPC statuses.
/// Nothing else in the hub builds an `HTTPError` or a gRPC status.
package enum HubError: Error, Sendable, Equatable {
    // REST control plane.
    case clientNotFound(String)
    case clientNotConnected(UUID)
    case commandTimeout(commandID: UUID, after: Duration)
    case commandError(String)
    case badRequest(parameter: String, reason: String)
    case notFound(String)
    case methodNotAllowed
    case payloadTooLarge(limit: Int)
    case storeUnavailable(String)
    /// Several hubs: the hub holding the agent's stream stopped answering after the call was
    /// passed to it, so whether the command ran is not known here.
    case hubLost(String)
    case commandNotFound(String)
    case jobNotFound(String)
    case idempotencyKeyReused(String)
    case idempotencyInProgress(String)
    case idempotencyKeyRequired
    case credentialExists(String)
    case credentialNotFound(String)
    case operatorExists(String)
    case operatorNotFound(String)
    case forbidden(role: OperatorRole, needs: OperatorRole)
    case invalidLogin
    case tooManyLoginAttempts(retryAfterSeconds: Int)

    // Agent link.
    case unauthenticated(String)
    case sessionReplaced(agentID: UUID)
    case livenessTimeout(Duration)
    case helloTimeout(Duration)
    case helloRequired(got: String)
    case invalidHello(String)
    case credentialRevoked(String)
    case messageTooLarge(bytes: Int, limit: Int)
    case undecodableMessage(String)
    case flooding(String)
    case shuttingDown
    /// A call on the agent listener that is not `AgentLink.Connect`.
    case methodNotFound(String)
    /// A request on the agent listener that is not gRPC at all (answered with HTTP 415).
    case notGRPC
    case unsupportedCompression(String)

    /// The stable code clients match on.
    package var code: String {
        switch self {
        case .clientNotFound: "client_not_found"
        case .clientNotConnected: "client_not_connected"
        case .commandTimeout: "command_timeout"
        case .commandError: "command_error"
        case .badRequest: "bad_request"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        case .payloadTooLarge: "payload_too_large"
        case .storeUnavailable: "store_unavailable"
        case .hubLost: "hub_lost"
        case .commandNotFound: "command_not_found"
        case .jobNotFound: "job_not_found"
        case .idempotencyKeyReused: "idempotency_key_reused"
        case .idempotencyInProgress: "idempotency_in_progress"
        case .idempotencyKeyRequired: "idempotency_key_required"
        case .credentialExists: "credential_exists"
        case .credentialNotFound: "credential_not_found"
        case .operatorExists: "operator_exists"
        case .operatorNotFound: "operator_not_found"
        case .forbidden: "forbidden"
        case .invalidLogin: "invalid_login"
        case .tooManyLoginAttempts: "too_many_login_attempts"
        case .unauthenticated: "unauthenticated"
        case .sessionReplaced: "session_replaced"
        case .livenessTimeout: "liveness_timeout"
        case .helloTimeout: "hello_timeout"
        case .helloRequired: "hello_required"
        case .invalidHello: "invalid_hello"
        case .credentialRevoked: "credential_revoked"
        case .messageTooLarge: "message_too_large"
        case .undecodableMessage: "undecodable_message"
        case .flooding: "flooding"
        case .shuttingDown: "shutting_down"
        case .methodNotFound: "method_not_found"
        case .notGRPC: "not_grpc"
        case .unsupportedCompression: "unsupported_compression"
        }
    }

    /// One sentence for people.
    package var message: String {
        switch self {
        case .clientNotFound(let id): "Client \(id) not found"
        case .clientNotConnected(let id): "Client \(id.lowercased) is not connected"
        case .commandTimeout(let id, let after): "Command \(id.lowercased) timeout after \(after.secondsText)s"
        case .commandError: "Failed to send command"
        case .badRequest(let parameter, let reason): "Invalid \(parameter): \(reason)"
        case .notFound(let path): "No route for \(path)"
        case .methodNotAllowed: "Method not allowed"
        case .payloadTooLarge(let limit): "Request body larger than \(limit) bytes"
        case .storeUnavailable(let why): "The hub cannot record commands right now: \(why)"
        case .hubLost(let hub): "The hub holding the client's stream (\(hub)) stopped answering"
        case .commandNotFound(let id): "Command \(id) not found"
        case .jobNotFound(let id): "Job \(id) not found"
        case .idempotencyKeyReused(let key): "Idempotency-Key \(key) was used for a different request"
        case .idempotencyInProgress(let key): "A request with Idempotency-Key \(key) is still in progress"
        case .idempotencyKeyRequired: "Executing a sell requires an Idempotency-Key header"
        case .credentialExists(let name): "Credential \(name) already exists"
        case .credentialNotFound(let name): "Credential \(name) not found"
        case .operatorExists(let name): "Operator \(name) already exists"
        case .operatorNotFound(let name): "Operator \(name) not found"
        case .forbidden(let role, let needs): "This needs the \(needs.rawValue) role; you are \(role.rawValue)"
        case .invalidLogin: "Wrong user name or password"
        case .tooManyLoginAttempts(let seconds): "Too many failed logins; retry in \(seconds)s"
        case .unauthenticated(let why): why
        case .sessionReplaced(let id): "Session replaced by a newer connection of agent \(id.lowercased)"
        case .livenessTimeout(let after): "No message from the agent for \(after.secondsText)s"
        case .helloTimeout(let after): "No Hello within \(after.secondsText)s"
        case .helloRequired(let got): "The first message must be Hello, got \(got)"
        case .invalidHello(let why): "Invalid Hello: \(why)"
        case .credentialRevoked(let name): "Credential \(name) was revoked"
        case .messageTooLarge(let bytes, let limit): "Message of \(bytes) bytes exceeds the maximum of \(limit) bytes"
        case .undecodableMessage(let why): "Undecodable message: \(why)"
        case .flooding(let what): "Too many \(what); the stream is closed, reconnect with backoff"
        case .shuttingDown: "The hub is shutting down"
        case .methodNotFound(let path): "Method not found: \(path)"
        case .notGRPC: "Only gRPC is served on this port"
        case .unsupportedCompression(let encoding): "Message compression \(encoding) is not supported"
        }
    }

    /// Background for the `detail` field of REST errors.
    package var detail: String {
        switch self {
        case .clientNotFound: "No client with this id has ever connected to this hub"
        case .clientNotConnected: "Client is not connected to gRPC server"
        case .commandTimeout: "Client did not respond within timeout period"
        case .commandError(let why): "Failed to execute command on client: \(why)"
        case .badRequest: "The request could not be understood; fix the parameter and retry"
        case .notFound: "See /api/crypto/commands/ for the available endpoints"
        case .methodNotAllowed: "This path does not accept this method"
        case .payloadTooLarge: "Send a smaller body"
        case .storeUnavailable: "Nothing was sent. Reads keep working; retry once the hub's database accepts writes again"
        case .hubLost:
            "The command may have reached the client. Its outcome is reconciled with the client and shows in the history; retry only with the same Idempotency-Key"
        case .commandNotFound: "No command with this id is in the history (it may be older than the retention period)"
        case .jobNotFound: "No bulk job with this id is in the history"
        case .idempotencyKeyReused: "Use a new key for a new request; repeat a request only with its own key"
        case .idempotencyInProgress: "Retry with the same key once the first request has finished"
        case .idempotencyKeyRequired: "Send a unique Idempotency-Key; a retry with the same key can never sell twice"
        case .unauthenticated: "Send Authorization: Bearer <token>; get a token from POST /api/auth/token"
        case .forbidden: "Ask an admin for a role that allows this"
        case .invalidLogin: "Check the credentials; repeated failures are rate limited"
        case .tooManyLoginAttempts: "Wait before trying again"
        default: self.message
        }
    }
}
