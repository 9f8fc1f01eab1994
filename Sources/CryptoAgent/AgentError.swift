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
        case .store(let why): "Local store error: \(why)"
        }
    }
}
