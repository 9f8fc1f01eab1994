import Foundation

/// The API key and the secret key, read once when the connector starts: from the configuration's
/// values, or from key files that only their owner may read.
package struct BinanceCredentials: Sendable {
    package let apiKey: SecretText
    package let secretKey: SecretText

    package init(apiKey: SecretText, secretKey: SecretText) {
        self.apiKey = apiKey
        self.secretKey = secretKey
    }

    /// Reads the keys the configuration names. A key file readable by group or others is
    /// refused with one line naming it, as are missing, unreadable and empty files.
    static func load(_ configuration: BinanceConfiguration) throws(AgentError) -> BinanceCredentials {
        BinanceCredentials(
            apiKey: try Self.key(configuration.apiKey, file: configuration.apiKeyFile, key: "binance.api_key_file"),
            secretKey: try Self.key(configuration.secretKey, file: configuration.secretKeyFile, key: "binance.secret_key_file")
        )
    }

    private static func key(_ value: SecretText?, file: String?, key: String) throws(AgentError) -> SecretText {
        if let value { return value }
        return try Self.read(file, key: key)
    }

    private static func read(_ path: String?, key: String) throws(AgentError) -> SecretText {
        guard let path else { throw .configuration("\(key) must be set for the binance exchange") }
        let attributes: [FileAttributeKey: Any]
        do { attributes = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw .configuration("\(key): cannot read \(path): no such file")
        }
        guard attributes[.type] as? FileAttributeType != .typeDirectory else {
            throw .configuration("\(key): cannot read \(path): it is a directory")
        }
        if let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue, mode & 0o044 != 0 {
            throw .configuration(
                "\(key): \(path) is readable by group or others (mode \(String(mode & 0o777, radix: 8))); chmod 600 it"
            )
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .configuration("\(key): cannot read \(path): permission denied or unreadable")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, !text.contains(where: \.isNewline) else {
            throw .configuration("\(key): \(path) must hold the key on one line")
        }
        return SecretText(text)
    }
}
