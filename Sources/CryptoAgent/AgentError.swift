import Wire

/// Every error the agent reports, with a stable `code` that acks carry as `error_code`.
public enum AgentError: Error, Sendable, Equatable, CustomStringConvertible {
    case configuration(String)
    case unauthenticated(String)
    case paused
    case unsupported(String)
    case unknownAsset(String)
    case invalidAmount(field: String, value: String)
    case insufficientBalance(asset: String, available: String, requested: String)
    case limitExceeded(code: String, String)
    case assetNotAllowed(String)
    case priceBelowMinimum(price: String, minimum: String)
    case exchange(String)
    /// The exchange refused the request with a definite answer; nothing was executed. `code` is
    /// the stable reason (`filter_failure`, `insufficient_balance`, `invalid_signature`,
    /// `api_key_rejected`, `order_rejected`, `not_filled`).
    case exchangeRejected(code: String, String)
    /// The exchange asked the agent to stop calling for a while; nothing was executed.
    case rateLimited(retryAfterSeconds: Int)
    /// An order may or may not have been executed and the exchange could not tell yet. The
    /// command is not recorded as finished: a later lookup asks the exchange again.
    case outcomeUnknown(String)
    /// Known not to have been executed, and it never will be (the order id is spent).
    case notExecuted(String)
    case store(String)

    public var code: String {
        switch self {
        case .configuration: "configuration"
        case .unauthenticated: "unauthenticated"
        case .paused: "paused"
        case .unsupported: "unsupported"
        case .unknownAsset: "unknown_asset"
        case .invalidAmount: "invalid_amount"
        case .insufficientBalance: "insufficient_balance"
        case .limitExceeded(let code, _): code
        case .assetNotAllowed: "asset_not_allowed"
        case .priceBelowMinimum: "min_price"
        case .exchange: "exchange_error"
        case .exchangeRejected(let code, _): code
        case .rateLimited: "rate_limited"
        case .outcomeUnknown: WireCodes.outcomeUnknown
        case .notExecuted: WireCodes.notExecuted
        case .store: "store_error"
        }
    }

    public var description: String {
        switch self {
        case .configuration(let why): "configuration: \(why)"
        case .unauthenticated(let why): "the hub refused the agent's credential: \(why)"
        case .paused: "Client is paused; resume it first"
        case .unsupported(let what): "Unsupported command: \(what)"
        case .unknownAsset(let asset): "Unknown asset \(asset)"
        case .invalidAmount(let field, let value): "Invalid \(field): \"\(value.prefix(64))\""
        case .insufficientBalance(let asset, let available, let requested):
            "Insufficient \(asset) balance: \(available) available, \(requested) requested"
        case .limitExceeded(_, let why): "Limit exceeded: \(why)"
        case .assetNotAllowed(let asset): "Selling \(asset) is not allowed on this agent"
        case .priceBelowMinimum(let price, let minimum): "Price \(price) is below the minimum \(minimum)"
        case .exchange(let why): "Exchange error: \(why)"
        case .exchangeRejected(_, let why): "The exchange refused (nothing was executed): \(why)"
        case .rateLimited(let seconds): "The exchange is rate limiting this agent; nothing was sent. Retry in \(seconds)s"
        case .outcomeUnknown(let why): "Outcome unknown: \(why); the hub's reconciliation will settle it"
        case .notExecuted(let why): "Not executed: \(why)"
        case .store(let why): "Local store error: \(why)"
        }
    }
}
