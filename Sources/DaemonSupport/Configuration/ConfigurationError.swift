/// A configuration value that cannot be used. `key` names the value as its reader wrote it: the
/// dotted key of the config file (`grpc.port`), or the environment variable it came from.
public enum ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalid(key: String, reason: String)
    case unreadable(path: String, reason: String)

    /// The problem without the `configuration:` prefix, for a daemon that adds its own.
    public var reason: String {
        switch self {
        case .invalid(let key, let reason): "\(key) \(reason)"
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        }
    }

    public var description: String { "configuration: \(self.reason)" }
}
