import Foundation
import Wire

/// A label query in the style of Kubernetes selectors: `exchange=binance,region!=eu,canary`.
///
/// Terms are ANDed. `key=value` and `key!=value` compare, a bare `key` asks for presence. The
/// keys `name`, `exchange`, `version` and `status` match the agent's own fields as well as labels.
package struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    package enum Term: Sendable, Equatable {
        case equals(String, String)
        case notEquals(String, String)
        case exists(String)
    }

    package let terms: [Term]

    /// Matches every agent.
    package static let all = LabelSelector(terms: [])

    package init(terms: [Term]) { self.terms = terms }

    /// Parses a selector; the error names the bad term.
    ///
    /// The text form (`description`) is what job records keep and bulk responses echo, so a
    /// selector is accepted only if its text form reads back as the same selector. Trimming can
    /// otherwise leave a value that starts with a combining mark, which joins the `=` before it
    /// into one character when printed (`k= \u{301}` would print as an unreadable `k=\u{301}`).
    package init(parsing text: String) throws(HubError) {
        let terms = try Self.terms(in: text)
        guard (try? Self.terms(in: Self.text(of: terms))) == terms else {
            throw .badRequest(parameter: "selector", reason: "a term of \"\(text.prefix(128))\" joins with the = or , next to it")
        }
        self.terms = terms
    }

    private static func terms(in text: String) throws(HubError) -> [Term] {
        var terms: [Term] = []
        for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
            let term = raw.trimmingCharacters(in: .whitespaces)
            guard !term.isEmpty else { throw .badRequest(parameter: "selector", reason: "empty term in \"\(text.prefix(128))\"") }
            if let range = term.range(of: "!=") {
                terms.append(.notEquals(try Self.key(term[..<range.lowerBound]), try Self.value(term[range.upperBound...])))
            } else if let range = term.range(of: "=") {
                let value =
                    term[range.upperBound...].hasPrefix("=") ? term[term.index(after: range.upperBound)...] : term[range.upperBound...]
                terms.append(.equals(try Self.key(term[..<range.lowerBound]), try Self.value(value)))
            } else {
                terms.append(.exists(try Self.key(Substring(term))))
            }
        }
        return terms
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
    package func matches(_ snapshot: AgentSnapshot) -> Bool {
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

    package var description: String { Self.text(of: self.terms) }

    private static func text(of terms: [Term]) -> String {
        terms.map { term in
            switch term {
            case .equals(let key, let value): "\(key)=\(value)"
            case .notEquals(let key, let value): "\(key)!=\(value)"
            case .exists(let key): key
            }
        }.joined(separator: ",")
    }
}
