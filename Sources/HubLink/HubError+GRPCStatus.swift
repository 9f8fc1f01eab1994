import GRPCCore
import HubCore

/// The one mapping of hub errors to the gRPC status an agent sees when its stream is refused
/// or ended. The stable `code` travels as `hub-error` metadata for machines.
extension HubError {
    package var grpcStatus: Status.Code {
        switch self {
        case .unauthenticated, .credentialRevoked, .invalidLogin: .unauthenticated
        case .forbidden: .permissionDenied
        case .tooManyLoginAttempts: .resourceExhausted
        case .sessionReplaced: .aborted
        case .livenessTimeout, .shuttingDown: .unavailable
        case .helloTimeout: .deadlineExceeded
        case .helloRequired: .failedPrecondition
        case .invalidHello, .badRequest, .undecodableMessage: .invalidArgument
        case .payloadTooLarge, .messageTooLarge, .flooding: .resourceExhausted
        case .clientNotFound, .notFound, .commandNotFound, .jobNotFound, .credentialNotFound, .operatorNotFound: .notFound
        case .clientNotConnected, .storeUnavailable, .hubLost: .unavailable
        case .commandTimeout: .deadlineExceeded
        case .commandError: .internalError
        case .methodNotAllowed, .methodNotFound, .unsupportedCompression, .notGRPC: .unimplemented
        case .idempotencyKeyReused, .credentialExists, .operatorExists, .idempotencyKeyRequired: .failedPrecondition
        case .idempotencyInProgress: .aborted
        }
    }
}
