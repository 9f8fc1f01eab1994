import Foundation
import Wire

/// A label query in the style of Kubernetes selectors: `exchange=binance,region!=eu,canary`.
///
/// Terms are ANDed. `key=value` and `key!=value` compare, a bare `key` asks for presence. The
/// keys `name`, `exchange`, `version` and `status` match the agent's own fields as well as labels.
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    enum Term: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
    }

    let terms: [Term]

    /// Matches every agent.
    public static let all = LabelSelector(terms: [])

    init(terms: [Term]) { self.terms = terms }

    /// Parses a selector; the error names the bad term.
    public init(parsing text: String) throws(HubError) {
        var terms: [Term] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let term = raw.trimmingCharacters(in: .whitespaces)
            guard !term.isEmpty else { throw .badRequest(parameter: "selector", reason: "empty term in \"\(text.prefix(128))\"") }
            if let range = term.range(of: "!=") {
                terms.append(.notEquals(try Self.key(term[..<range.lowerBound]), try Self.value(term[range.upperBound...])))
            } else if let range = term.range(of: "=") {
                let value = term[range.upperBound...].hasPrefix("=") ? term[term.index(after: range.upperBound)...] : term[range.upperBound...]
                terms.append(.equals(try Self.key(term[..<range.lowerBound]), try Self.value(value)))
            } else {
                terms.append(.exists(try Self.key(Substring(term))))
            }
        }
        self.terms = terms
    }

    private static func key(_ text: Substring) throws(HubError) -> String {
        let key = text.trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty, key.count <= 128, key.allSatisfy({ $0.isLetter || $0.isNumber || "-_./".contains($0) }) else {
            throw .badRequest(parameter: "selector", reason: "invalid label key \"\(key.prefix(64))\"")
        }
        return key
    }

    private static func value(_ text: Substring) throws(HubError) -> String {
        let value = text.trimmingCharacters(in: .whitespaces)
        guard value.count <= 128, !value.contains("=") else {
            throw .badRequest(parameter: "selector", reason: "invalid label value \"\(value.prefix(64))\"")
        }
        return value
    }

    /// Whether an agent with these fields and labels is selected.
    public func matches(_ snapshot: AgentSnapshot) -> Bool {
        func lookup(_ key: String) -> String? {
            if let label = snapshot.identity.labels[key] { return label }
            switch key {
            case "name": return snapshot.identity.name
            case "exchange": return snapshot.identity.exchange
            case "version": return snapshot.identity.version
            case "status": return snapshot.status.name
            default: return nil
            }
        }
        return self.terms.allSatisfy { term in
            switch term {
            case .equals(let key, let value): lookup(key) == value
            case .notEquals(let key, let value): lookup(key) != value
            case .exists(let key): lookup(key) != nil
            }
        }
    }

    public var description: String {
        self.terms.map { term in
            switch term {
            case .equals(let key, let value): "\(key)=\(value)"
            case .notEquals(let key, let value): "\(key)!=\(value)"
            case .exists(let key): key
            }
        }.joined(separator: ",")
    }
}
