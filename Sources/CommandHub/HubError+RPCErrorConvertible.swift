import GRPCCore

/// The one mapping of hub errors to the gRPC status an agent sees when its stream is refused
/// or ended. The stable `code` travels as `hub-error` metadata for machines.
extension HubError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code {
        switch self {
        case .unauthenticated, .credentialRevoked: .unauthenticated
        case .sessionReplaced: .aborted
        case .livenessTimeout, .shuttingDown: .unavailable
        case .helloTimeout: .deadlineExceeded
        case .helloRequired: .failedPrecondition
        case .invalidHello, .badRequest: .invalidArgument
        case .payloadTooLarge: .resourceExhausted
        case .clientNotFound, .notFound, .commandNotFound, .jobNotFound, .credentialNotFound: .notFound
        case .storeUnavailable: .unavailable
        case .idempotencyKeyReused, .credentialExists, .idempotencyKeyRequired: .failedPrecondition
        case .idempotencyInProgress: .aborted
        case .clientNotConnected: .unavailable
        case .commandTimeout: .deadlineExceeded
        case .commandError: .internalError
        case .methodNotAllowed: .unimplemented
        }
    }

    public var rpcErrorMessage: String { self.message }

    public var rpcErrorMetadata: Metadata { ["hub-error": "\(self.code)"] }
}
