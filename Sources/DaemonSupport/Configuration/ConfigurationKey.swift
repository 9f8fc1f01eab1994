import Foundation

/// One documented configuration key: its dotted name as in the JSON file, what it means, and
/// whether its value is a secret (kept out of logs and access reports).
///
/// A daemon lists all its keys in one table; its `--help` text is rendered from that table, and
/// its environment variable is derived from the name (`ConfigurationKey.environmentName`), so the
/// documentation cannot drift from what the loader reads.
public struct ConfigurationKey: Sendable, Equatable {
    /// The dotted name (`grpc.port`, `paper.balances.<ASSET>` for a map's entries).
    public var key: String
    public var help: String
    public var secret: Bool

    public init(_ key: String, _ help: String, secret: Bool = false) {
        self.key = key
        self.help = help
        self.secret = secret
    }

    /// The environment variable of `key` under `prefix`: upper-cased, dots as underscores
    /// (`grpc.port` under `COMMANDHUB` is `COMMANDHUB_GRPC_PORT`).
    public static func environmentName(of key: String, prefix: String) -> String {
        prefix + "_" + key.replacingOccurrences(of: ".", with: "_").uppercased()
    }
}

extension Array where Element == ConfigurationKey {
    /// The table as help text, one key a line, each with its environment variable.
    public func helpText(environmentPrefix prefix: String) -> String {
        self.map { "  \($0.key) (\(ConfigurationKey.environmentName(of: $0.key, prefix: prefix))): \($0.help)" }
            .joined(separator: "\n")
    }

    /// The environment variables whose values are secrets.
    public func secretEnvironmentNames(prefix: String) -> Set<String> {
        Set(self.filter(\.secret).map { ConfigurationKey.environmentName(of: $0.key, prefix: prefix) })
    }
}
