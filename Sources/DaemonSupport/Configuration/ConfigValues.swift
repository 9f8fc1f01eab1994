import Configuration
import Foundation
import Wire

/// Typed reads over a daemon's `ConfigurationSources` that tell a malformed value from a missing
/// one: a missing key is nil (the default applies), a value of the wrong shape is a
/// `ConfigurationError` naming the key — or the environment variable it came from.
///
/// Environment variables are text, JSON values are typed: each reader accepts both (`"30"` and
/// `30` for a number of seconds), and a JSON value of the wrong type (`"max_in_flight": 2.5`,
/// `"fee_rate": 0.1` where a decimal string is expected) is an error, never silently ignored.
public struct ConfigValues: Sendable {
    public let sources: ConfigurationSources

    public init(_ sources: ConfigurationSources) {
        self.sources = sources
    }

    private var reader: ConfigReader { self.sources.reader }

    public func string(_ key: String, secret: Bool = false) throws(ConfigurationError) -> String? {
        if let value = self.reader.string(forKey: ConfigKey(key), isSecret: secret) { return value }
        guard !self.isPresent(key) else { throw self.invalid(key, "must be a string") }
        return nil
    }

    public func int(_ key: String) throws(ConfigurationError) -> Int? {
        if let value = self.reader.int(forKey: ConfigKey(key)) { return value }
        return try self.parsed(key, expected: "an integer") { Int($0.trimmingCharacters(in: .whitespaces)) }
    }

    public func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        try self.parsed(key, expected: "true or false") { raw in
            switch raw.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "1", "yes": true
            case "false", "0", "no": false
            default: nil
            }
        } typed: {
            self.reader.bool(forKey: ConfigKey($0))
        }
    }

    /// A positive number up to `maximum` (days, hours, counts of units).
    public func number(_ key: String, maximum: Double = 100_000) throws(ConfigurationError) -> Double? {
        guard let number = try self.double(key, expected: "a number") else { return nil }
        guard number.isFinite, number > 0, number <= maximum else {
            throw .invalid(key: self.sources.name(of: key), reason: "must be a positive number up to \(Self.text(maximum))")
        }
        return number
    }

    /// Seconds in (0, `maximum`], to the millisecond.
    public func seconds(_ key: String, maximum: Double = 86_400) throws(ConfigurationError) -> Duration? {
        guard let seconds = try self.double(key, expected: "a number of seconds") else { return nil }
        guard seconds.isFinite, seconds > 0, seconds <= maximum else {
            throw .invalid(key: self.sources.name(of: key), reason: "must be in (0, \(Self.text(maximum))] seconds")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    /// Hours in (0, `maximum`].
    public func hours(_ key: String, maximum: Double = 24 * 365) throws(ConfigurationError) -> Duration? {
        guard let hours = try self.double(key, expected: "a number of hours") else { return nil }
        guard hours.isFinite, hours > 0, hours <= maximum else {
            throw .invalid(key: self.sources.name(of: key), reason: "must be in (0, \(Self.text(maximum))] hours")
        }
        return .seconds(hours * 3600)
    }

    /// A decimal written as a string (`"0.25"`), never a JSON number: money is not floating point.
    public func decimal(_ key: String) throws(ConfigurationError) -> Decimal? {
        guard let text = try self.string(key) else { return nil }
        guard let value = DecimalText.parse(text) else {
            throw self.invalid(key, "must be a decimal string like \"0.25\", got \"\(text.prefix(32))\"")
        }
        return value
    }

    public func uuid(_ key: String) throws(ConfigurationError) -> UUID? {
        guard let text = try self.string(key) else { return nil }
        guard let id = UUID(uuidString: text) else { throw self.invalid(key, "must be a UUID, got \"\(text.prefix(64))\"") }
        return id
    }

    /// A list: a JSON array of strings, or comma-separated text. Blank items are dropped.
    public func list(_ key: String, secret: Bool = false) throws(ConfigurationError) -> [String]? {
        let items: [String]
        if let values = self.reader.stringArray(forKey: ConfigKey(key), isSecret: secret) {
            items = values
        } else if let raw = self.reader.string(forKey: ConfigKey(key), isSecret: secret) {
            items = raw.split(separator: ",").map(String.init)
        } else {
            guard !self.isPresent(key) else { throw self.invalid(key, "must be a list of strings") }
            return nil
        }
        return items.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A map of strings: text `k=v,k2=v2` (an environment variable), or a JSON object of strings
    /// in the file. The text form, being of higher precedence, replaces the file's object whole.
    public func map(_ key: String) throws(ConfigurationError) -> [String: String]? {
        if let text = self.reader.string(forKey: ConfigKey(key)) {
            var map: [String: String] = [:]
            for pair in text.split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, !parts[0].trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw self.invalid(key, "must be key=value pairs separated by commas; \"\(pair.prefix(64))\" is not")
                }
                map[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
            }
            return map
        }
        if let names = self.sources.fileObjectKeys(at: key) {
            var map: [String: String] = [:]
            for name in names {
                guard let value = try self.string("\(key).\(name)") else { continue }
                map[name] = value
            }
            return map
        }
        guard !self.isPresent(key) else { throw self.invalid(key, "must be an object of strings or k=v,k2=v2") }
        return nil
    }

    /// A value of the key's type, or its text parsed by `parse`; an error when neither fits.
    private func parsed<T>(
        _ key: String, expected: String, parse: (String) -> T?, typed: ((String) -> T?)? = nil
    ) throws(ConfigurationError) -> T? {
        if let typed, let value = typed(key) { return value }
        if let raw = self.reader.string(forKey: ConfigKey(key)) {
            guard let value = parse(raw) else { throw self.invalid(key, "must be \(expected), got \"\(raw.prefix(32))\"") }
            return value
        }
        guard !self.isPresent(key) else { throw self.invalid(key, "must be \(expected)") }
        return nil
    }

    private func double(_ key: String, expected: String) throws(ConfigurationError) -> Double? {
        try self.parsed(key, expected: expected) {
            Double($0.trimmingCharacters(in: .whitespaces))
        } typed: {
            self.reader.double(forKey: ConfigKey($0))
        }
    }

    /// Whether any source has a value at `key`, of whatever type.
    private func isPresent(_ key: String) -> Bool {
        let key = ConfigKey(key)
        return self.reader.string(forKey: key) != nil || self.reader.double(forKey: key) != nil
            || self.reader.bool(forKey: key) != nil || self.reader.stringArray(forKey: key) != nil
            || self.reader.doubleArray(forKey: key) != nil || self.reader.boolArray(forKey: key) != nil
    }

    private func invalid(_ key: String, _ reason: String) -> ConfigurationError {
        .invalid(key: self.sources.name(of: key), reason: reason)
    }

    private static func text(_ number: Double) -> String {
        number == number.rounded() ? String(Int(number)) : String(number)
    }
}
