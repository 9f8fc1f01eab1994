import Configuration
import Foundation
import SystemPackage

/// Where a daemon's configuration comes from, in precedence order: command-line `overrides`
/// (dotted keys), then environment variables (`PREFIX_` + the key upper-cased with dots as
/// underscores), then a JSON file, then the defaults in code — swift-configuration providers
/// read through one `ConfigReader`.
///
/// The JSON file's nested objects are flattened into dotted keys by `JSONSnapshot`; the file's
/// own object tree is kept as well, because a reader cannot list the entries of a map whose keys
/// are data (`labels`, `paper.balances`).
public struct ConfigurationSources: Sendable {
    /// Every source, merged in precedence order.
    public let reader: ConfigReader
    /// The environment alone, to tell which values came from it (errors then name the variable).
    public let environment: ConfigReader
    /// The environment variable prefix (`COMMANDHUB`, `CRYPTO_AGENT`).
    public let environmentPrefix: String
    private let file: JSONTree?

    /// Sources over a ready-made reader (tests, embedders): no environment naming, no file maps.
    public init(reader: ConfigReader) {
        self.reader = reader
        self.environment = ConfigReader(provider: InMemoryProvider(values: [:]))
        self.environmentPrefix = ""
        self.file = nil
    }

    private init(reader: ConfigReader, environment: ConfigReader, environmentPrefix: String, file: JSONTree?) {
        self.reader = reader
        self.environment = environment
        self.environmentPrefix = environmentPrefix
        self.file = file
    }

    /// Sets up the providers. `secrets` are environment variable names whose values are never
    /// shown. A file that is missing, unreadable or not a JSON object is an error naming it.
    public static func load(
        file path: String?, environment variables: [String: String], environmentPrefix: String,
        secrets: Set<String> = [], overrides: [String: String] = [:]
    ) async throws(ConfigurationError) -> ConfigurationSources {
        let prefix = environmentPrefix.lowercased()
        let environment = KeyMappingProvider(
            upstream: EnvironmentVariablesProvider(environmentVariables: variables, secretsSpecifier: .specific(secrets)),
            keyMapper: { key in key.prepending([prefix]) }
        )
        let values = overrides.map { key, value in
            (AbsoluteConfigKey(key.split(separator: ".").map(String.init)), ConfigValue(.string(value), isSecret: false))
        }
        var providers: [any ConfigProvider] = [InMemoryProvider(values: Dictionary(values, uniquingKeysWith: { $1 })), environment]
        var tree: JSONTree?
        if let path {
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw .unreadable(path: path, reason: "no such readable file")
            }
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: FilePath(path)))
            } catch {
                throw .unreadable(path: path, reason: "\(error)")
            }
            tree = JSONTree(path: path)
        }
        return ConfigurationSources(
            reader: ConfigReader(providers: providers), environment: ConfigReader(provider: environment),
            environmentPrefix: environmentPrefix, file: tree
        )
    }

    /// The names of the entries of the JSON object at `key` in the file (`labels` → its label
    /// names), or nil when the file has no object there.
    public func fileObjectKeys(at key: String) -> [String]? {
        self.file?.objectKeys(at: key.split(separator: ".").map(String.init))
    }

    /// How an error names `key`: the environment variable when the value came from there, else
    /// the dotted key.
    public func name(of key: String) -> String {
        guard !self.environmentPrefix.isEmpty, self.environment.string(forKey: ConfigKey(key)) != nil else { return key }
        return ConfigurationKey.environmentName(of: key, prefix: self.environmentPrefix)
    }
}

/// The JSON file's object tree (only the objects' key names are kept).
private struct JSONTree: Sendable {
    private let root: [String: Node]

    private indirect enum Node: Sendable {
        case object([String: Node])
        case leaf
    }

    init?(path: String) {
        guard let data = FileManager.default.contents(atPath: path),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        self.root = Self.nodes(object)
    }

    private static func nodes(_ object: [String: Any]) -> [String: Node] {
        object.mapValues { value in (value as? [String: Any]).map { .object(Self.nodes($0)) } ?? .leaf }
    }

    func objectKeys(at path: [String]) -> [String]? {
        var current = self.root
        for component in path {
            guard case .object(let next)? = current[component] else { return nil }
            current = next
        }
        return current.keys.sorted()
    }
}
