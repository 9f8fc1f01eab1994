/// The name of a command's action as REST paths, logs and history spell it.
extension Commandhub_V1_Command.OneOf_Action {
    public var name: String {
        switch self {
        case .pause: "pause"
        case .resume: "resume"
        case .ping: "ping"
        case .syncWallets: "sync_wallets"
        case .requestStatus: "request_status"
        case .sell: "sell"
        }
    }
}

/// Every action this protocol version defines, as advertised in `Hello.capabilities`.
public enum WireCapabilities {
    public static let all: [String] = ["pause", "resume", "ping", "sync_wallets", "request_status", "sell"]
}
