import Foundation
import HubCore
import Hummingbird
import Wire

/// Strict parsing of path and query parameters: anything malformed is a 400 naming the
/// parameter, never a silent default.
package struct RequestParameters {
    /// The decoded query string.
    package let queryParameters: Parameters
    /// The router's captures (`{client_id}`, `{job_id}`, …).
    package let pathParameters: Parameters

    package init(request: Request, context: HubRequestContext) {
        self.init(queryParameters: request.uri.queryParameters, pathParameters: context.parameters)
    }

    /// Parameters without a request, as the fuzz targets build them.
    package init(queryParameters: Parameters, pathParameters: Parameters = Parameters()) {
        self.queryParameters = queryParameters
        self.pathParameters = pathParameters
    }

    /// The `{client_id}` path parameter as a UUID.
    package func clientID() throws(HubError) -> UUID {
        let raw = self.pathParameters.get("client_id") ?? ""
        guard let id = UUID(text: raw) else {
            throw .badRequest(parameter: "client_id", reason: "must be a UUID, got \"\(raw.prefix(64))\"")
        }
        return id
    }

    /// A single query value; a parameter given twice is an error.
    package func query(_ name: String) throws(HubError) -> String? {
        let values = self.queryParameters.getAll(name)
        guard values.count <= 1 else { throw .badRequest(parameter: name, reason: "given more than once") }
        return values.first.map { String($0) }
    }

    /// `true/false/1/0/yes/no` (any case); absent gives `defaultValue`.
    package func bool(_ name: String, default defaultValue: Bool) throws(HubError) -> Bool {
        guard let raw = try self.query(name) else { return defaultValue }
        switch raw.lowercased() {
        case "true", "1", "yes": return true
        case "false", "0", "no": return false
        default: throw .badRequest(parameter: name, reason: "must be true or false, got \"\(raw.prefix(32))\"")
        }
    }

    /// A timeout in seconds (`2.5`), at least 0.1 and at most `max`.
    package func timeout(default defaultValue: Duration, max: Duration) throws(HubError) -> Duration {
        guard let raw = try self.query("timeout") else { return defaultValue }
        guard raw.count <= 16, let seconds = Double(raw), seconds.isFinite, seconds > 0 else {
            throw .badRequest(parameter: "timeout", reason: "must be a positive number of seconds, got \"\(raw.prefix(32))\"")
        }
        // Below 0.1 s a deadline is shorter than the sweeper's resolution and a loaded loopback
        // round trip: it could only produce spurious 504s. The bounds are checked before the
        // conversion to an integer, which traps past Int64 ("1e300" is a valid Double).
        let milliseconds = (seconds * 1000).rounded()
        guard milliseconds >= 100, milliseconds <= Double(max.wholeMilliseconds) else {
            throw .badRequest(parameter: "timeout", reason: "must be between 0.1 and \(max.secondsText) seconds")
        }
        return .milliseconds(Int64(milliseconds))
    }

    /// A comma-separated list of coin symbols, upper-cased and de-duplicated; absent or empty
    /// means all.
    package func symbols() throws(HubError) -> [String] {
        guard let raw = try self.query("symbols"), !raw.isEmpty else { return [] }
        var seen = Set<String>()
        var symbols: [String] = []
        for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
            let symbol = part.trimmedOfSpaces.uppercased()
            guard !symbol.isEmpty, symbol.count <= 20, symbol.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
                throw .badRequest(parameter: "symbols", reason: "\"\(part.prefix(32))\" is not a coin symbol (letters and digits, 1-20)")
            }
            if seen.insert(symbol).inserted { symbols.append(symbol) }
        }
        guard symbols.count <= 256 else { throw .badRequest(parameter: "symbols", reason: "more than 256 symbols") }
        return symbols
    }

    /// An optional label selector (`exchange=binance,region!=eu`).
    package func selector() throws(HubError) -> LabelSelector {
        guard let raw = try self.query("selector"), !raw.isEmpty else { return .all }
        guard raw.count <= 1024 else { throw .badRequest(parameter: "selector", reason: "longer than 1024 characters") }
        return try LabelSelector(parsing: raw)
    }

    /// An optional integer within `range`.
    package func integer(_ name: String, in range: ClosedRange<Int>) throws(HubError) -> Int? {
        guard let raw = try self.query(name) else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw .badRequest(
                parameter: name, reason: "must be an integer in \(range.lowerBound)...\(range.upperBound), got \"\(raw.prefix(32))\"")
        }
        return value
    }

    /// An optional comma-separated list of client ids.
    package func clientIDs() throws(HubError) -> [UUID]? {
        guard let raw = try self.query("client_ids"), !raw.isEmpty else { return nil }
        var ids: [UUID] = []
        var seen = Set<UUID>()
        for part in raw.split(separator: ",", omittingEmptySubsequences: false) {
            guard let id = UUID(text: part.trimmedOfSpaces) else {
                throw .badRequest(parameter: "client_ids", reason: "\"\(part.prefix(64))\" is not a UUID")
            }
            if seen.insert(id).inserted { ids.append(id) }
        }
        guard ids.count <= 100_000 else { throw .badRequest(parameter: "client_ids", reason: "too many ids") }
        return ids
    }

    /// An optional UUID query value.
    package func uuid(_ name: String) throws(HubError) -> UUID? {
        guard let raw = try self.query(name), !raw.isEmpty else { return nil }
        guard let id = UUID(text: raw) else {
            throw .badRequest(parameter: name, reason: "must be a UUID, got \"\(raw.prefix(64))\"")
        }
        return id
    }

    /// An optional time: ISO 8601 (`2025-11-14T10:30:00Z`, fractions allowed) or Unix seconds.
    package func date(_ name: String) throws(HubError) -> Date? {
        guard let raw = try self.query(name), !raw.isEmpty else { return nil }
        if raw.count <= 20, let seconds = Double(raw), seconds.isFinite, seconds >= 0 { return Date(timeIntervalSince1970: seconds) }
        if raw.count <= 40 {
            if let date = try? Date(raw, strategy: .iso8601) { return date }
            if let date = try? Date(raw, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        }
        throw .badRequest(parameter: name, reason: "must be an ISO 8601 time or Unix seconds, got \"\(raw.prefix(40))\"")
    }

    /// An optional value from a fixed set.
    package func oneOf(_ name: String, _ allowed: [String]) throws(HubError) -> String? {
        guard let raw = try self.query(name), !raw.isEmpty else { return nil }
        guard allowed.contains(raw) else {
            throw .badRequest(parameter: name, reason: "must be one of \(allowed.joined(separator: ", ")), got \"\(raw.prefix(32))\"")
        }
        return raw
    }

    /// The `{name}` path parameter as a UUID.
    package func pathUUID(_ name: String) throws(HubError) -> UUID {
        let raw = self.pathParameters.get(name) ?? ""
        guard let id = UUID(text: raw) else {
            throw .badRequest(parameter: name, reason: "must be a UUID, got \"\(raw.prefix(64))\"")
        }
        return id
    }
}
