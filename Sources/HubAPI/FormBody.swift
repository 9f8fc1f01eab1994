import Foundation
import HubCore
import NIOCore

/// An `application/x-www-form-urlencoded` request body — the OAuth2 password grant the docs
/// page's "Authorize" button sends: `name=value` pairs joined by `&`, `+` for a space, UTF-8
/// percent-escapes. Read strictly: a malformed escape is a 400 naming the body, never a guess.
///
/// (Not `URLComponents.percentEncodedQuery`: its setter traps on characters a query may not
/// hold, such as a raw space, and a form body comes straight from the network.)
package struct FormBody {
    private let fields: [(name: String, value: String)]

    package init(_ bytes: ByteBuffer) throws(HubError) {
        let text = String(decoding: bytes.readableBytesView, as: UTF8.self)
        var fields: [(name: String, value: String)] = []
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.decoded(parts[0]), let value = Self.decoded(parts.count == 2 ? parts[1] : "") else {
                throw .badRequest(parameter: "body", reason: "must be a form (name=value&…) with valid UTF-8 percent-escapes")
            }
            fields.append((name, value))
        }
        self.fields = fields
    }

    /// The first value given for `name` (empty for a bare `name`); nil when absent.
    package func value(_ name: String) -> String? {
        self.fields.first { $0.name == name }?.value
    }

    private static func decoded(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
