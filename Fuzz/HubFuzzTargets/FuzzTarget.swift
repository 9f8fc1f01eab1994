import HubAPI
import HubCore
import HubLink
import HubStorage

/// The hub's fuzz targets: each feeds arbitrary bytes through one of the hub's real decoding
/// paths — the functions the handlers call, nothing re-implemented — and checks what the result
/// must satisfy.
///
/// Contract of every target: for any input it returns normally, or throws a `FuzzViolation`
/// naming the broken invariant. Errors the hub's own code throws on bad input are expected and
/// checked to be the typed `HubError` that path documents; they are never violations. A crash
/// inside the hub's code (an overflow trap, an out-of-bounds index) is a bug the target found.
///
/// Invariant checks live only here, never in production paths. `fuzz(_:)` turns a violation into
/// a trap, which is how libFuzzer learns of it (`Fuzz/CommandHubFuzz`); the test suite calls
/// `check(_:)` and reports violations as failures with the input attached.
package enum FuzzTarget: String, CaseIterable, Sendable {
    /// An agent's request stream: gRPC length-prefixed framing, then `AgentMessage` decoding.
    /// Byte 0 sets the chunk size the bytes arrive in (0: all at once), byte 1 the message size
    /// limit (×16 bytes); the rest is the stream.
    case agentStream = "agent-stream"
    /// One `AgentMessage` payload, then what the hub derives from it: the Hello's identity, the
    /// session's view of heartbeats and acks, and the REST bodies that render them.
    case agentMessage = "agent-message"
    /// The body of `POST …/{client_id}/sell/`.
    case sellBody = "sell-body"
    /// The body of `POST /api/auth/token`. Byte 0 picks the content type (JSON, form, other).
    case loginBody = "login-body"
    /// The JSON bodies of the admin endpoints. Byte 0 picks the endpoint.
    case adminBody = "admin-body"
    /// A query string as the command, bulk, history and event routes read it.
    case queryParameters = "query-parameters"
    /// A label selector (`?selector=`).
    case labelSelector = "label-selector"
    /// A decimal amount as text (`DecimalText`), as sells and wallets carry them.
    case decimalText = "decimal-text"

    /// Runs the target on `bytes`; throws when an invariant does not hold.
    package func check(_ bytes: [UInt8]) throws(FuzzViolation) {
        switch self {
        case .agentStream: try Self.checkAgentStream(bytes)
        case .agentMessage: try Self.checkAgentMessage(bytes)
        case .sellBody: try Self.checkSellBody(bytes)
        case .loginBody: try Self.checkLoginBody(bytes)
        case .adminBody: try Self.checkAdminBody(bytes)
        case .queryParameters: try Self.checkQueryParameters(bytes)
        case .labelSelector: try Self.checkLabelSelector(bytes)
        case .decimalText: try Self.checkDecimalText(bytes)
        }
    }

    /// Runs the target on `bytes` and traps on a violation: the entry point for libFuzzer.
    package func fuzz(_ bytes: UnsafeRawBufferPointer) {
        do {
            try self.check(Array(bytes))
        } catch {
            fatalError("\(self.rawValue): invariant violated: \(error.invariant)")
        }
    }
}
