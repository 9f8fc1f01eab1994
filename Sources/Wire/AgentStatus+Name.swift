/// The agent status as the REST contract spells it (`ACTIVE`, `PAUSED`, `SYNCING`, …).
extension Commandhub_V1_AgentStatus {
    /// The upper-case name used in REST responses and logs.
    public var name: String {
        switch self {
        case .unspecified: "UNKNOWN"
        case .active: "ACTIVE"
        case .paused: "PAUSED"
        case .syncing: "SYNCING"
        case .error: "ERROR"
        case .stopping: "STOPPING"
        case .UNRECOGNIZED: "UNKNOWN"
        }
    }

    /// Parses a REST/CLI name (case-insensitive); `nil` for anything else.
    public init?(name: String) {
        switch name.uppercased() {
        case "ACTIVE": self = .active
        case "PAUSED": self = .paused
        case "SYNCING": self = .syncing
        case "ERROR": self = .error
        case "STOPPING": self = .stopping
        default: return nil
        }
    }
}
