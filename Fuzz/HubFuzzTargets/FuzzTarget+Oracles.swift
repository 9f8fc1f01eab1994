import Foundation
import HubAPI
import HubCore
import HubLink
import HubStorage

extension FuzzTarget {
    /// Serializes `json` as the hub would send it and parses it back with Foundation: a body the
    /// hub writes must always be a valid JSON object.
    package static func requireJSONObject(_ json: JSON, _ what: String) throws(FuzzViolation) -> [String: Any] {
        let bytes = json.serialized()
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw FuzzViolation("the \(what) body must be a JSON object, got \(String(decoding: bytes.prefix(512), as: UTF8.self))")
        }
        return object
    }

    /// The exact value of a plain decimal text in canonical notation (no sign on zero, no
    /// leading or trailing zeros, no bare point), or nil when `text` is not in `DecimalText`'s
    /// grammar: an optional minus, 1 to 38 digits with at most one point that has digits after
    /// it, at most 64 bytes. Written independently of `DecimalText` so it can judge it.
    package static func canonicalDecimal(_ text: String) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        let negative = bytes[0] == UInt8(ascii: "-")
        let body = negative ? bytes.dropFirst() : bytes[...]
        let parts = body.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count == 2 ? parts[1] : []
        let isDigit: (UInt8) -> Bool = { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        guard whole.allSatisfy(isDigit), fraction.allSatisfy(isDigit) else { return nil }
        guard parts.count == 1 || !fraction.isEmpty else { return nil }
        guard (1...38).contains(whole.count + fraction.count) else { return nil }
        let integer = String(decoding: whole.drop { $0 == UInt8(ascii: "0") }, as: UTF8.self)
        var decimals = Array(fraction)
        while decimals.last == UInt8(ascii: "0") { decimals.removeLast() }
        let magnitude = (integer.isEmpty ? "0" : integer) + (decimals.isEmpty ? "" : "." + String(decoding: decimals, as: UTF8.self))
        return negative && magnitude != "0" ? "-" + magnitude : magnitude
    }

    /// The number of digits after the point in `text`.
    package static func fractionDigits(_ text: String) -> Int {
        guard let point = text.utf8.firstIndex(of: UInt8(ascii: ".")) else { return 0 }
        return text.utf8.distance(from: point, to: text.utf8.endIndex) - 1
    }
}
