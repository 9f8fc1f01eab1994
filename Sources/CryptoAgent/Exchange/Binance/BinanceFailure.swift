/// Why a request to Binance did not yield its answer, in the three kinds that matter for an
/// order: the exchange refused it (nothing executed), it was never sent (rate limit), or its
/// outcome is unknown (it may have executed).
package enum BinanceFailure: Error, Sendable, Equatable {
    /// The exchange answered with an error: the request did nothing.
    case rejected(code: Int, message: String, status: Int)
    /// Not sent, or refused for the rate limit (`429`, `418`, or our own weight budget).
    case rateLimited(retryAfterSeconds: Int)
    /// A timeout, a dropped connection, HTTP 5xx, `-1007` or `-1006`, an unreadable success:
    /// the exchange may have executed it ("execution status unknown", in Binance's words).
    case unknown(String)

    /// Binance's codes whose outcome is unknown even though an error came back.
    static let unknownCodes: Set<Int> = [-1006, -1007]
    /// `-1021`: the timestamp was outside `recvWindow` (or more than a second ahead); nothing
    /// was executed.
    static let invalidTimestamp = -1021
    /// `-2013`: no such order.
    static let noSuchOrder = -2013

    /// The agent's error for this failure of a request that is not an order (balances,
    /// prices, lookups): none of them can execute anything.
    var agentError: AgentError {
        switch self {
        case .rejected(let code, let message, let status): Self.agentError(code: code, message: message, status: status)
        case .rateLimited(let seconds): .rateLimited(retryAfterSeconds: seconds)
        case .unknown(let why): .exchange(why)
        }
    }

    /// The stable codes of the definite rejections the issue names; the rest keep Binance's code.
    static func agentError(code: Int, message: String, status: Int) -> AgentError {
        let detail = code == 0 ? message : "\(code) \(message)"
        switch code {
        case -1013: return .exchangeRejected(code: "filter_failure", detail)
        case -2010:
            let insufficient = message.lowercased().contains("insufficient balance")
            return .exchangeRejected(code: insufficient ? "insufficient_balance" : "order_rejected", detail)
        case -1022: return .exchangeRejected(code: "invalid_signature", "the secret key does not match the API key (\(detail))")
        case -2014, -2015:
            return .exchangeRejected(code: "api_key_rejected", "the API key, its IP whitelist or its permissions (\(detail))")
        case -1021: return .exchangeRejected(code: "invalid_timestamp", detail)
        case -1121: return .exchangeRejected(code: "invalid_symbol", detail)
        default: return code == 0 ? .exchange("HTTP \(status): \(message)") : .exchangeRejected(code: "exchange_rejected", detail)
        }
    }
}
