import Foundation

/// Money and quantities as text: the only way amounts cross the wire, files and REST.
///
/// Parsing is strict — an optional minus, digits, an optional fraction; no exponent, no spaces,
/// no locale — because `Decimal(string:)` alone accepts prefixes like "12abc". Formatting is
/// plain notation, rounded to `scale` places (10 by default, as the wallet domain requires).
public enum DecimalText {
    /// The number of decimal places amounts carry.
    public static let scale = 10

    /// The decimal `text` denotes, or nil if it is not a plain decimal number.
    public static func parse(_ text: String) -> Decimal? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 64 else { return nil }
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        for (index, byte) in utf8.enumerated() {
            switch byte {
            case UInt8(ascii: "-") where index == 0:
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                if seenPoint { fractionDigits += 1 }
            case UInt8(ascii: ".") where !seenPoint:
                seenPoint = true
            default:
                return nil
            }
        }
        guard digits > 0, digits <= 38, !(seenPoint && fractionDigits == 0), text.last != "." else { return nil }
        return Decimal(string: text, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// The decimal `text` denotes if it has at most `maxScale` fractional digits, else nil.
    public static func parse(_ text: String, maxScale: Int) -> Decimal? {
        if let point = text.firstIndex(of: "."), text.distance(from: point, to: text.endIndex) - 1 > maxScale { return nil }
        return self.parse(text)
    }

    /// `value` rounded to `scale` places (half away from zero) in plain notation.
    public static func format(_ value: Decimal, scale: Int = DecimalText.scale) -> String {
        let rounded = self.round(value, scale: scale)
        return rounded.isZero ? "0" : "\(rounded)"
    }

    /// `value` rounded to `scale` places, half away from zero.
    public static func round(_ value: Decimal, scale: Int = DecimalText.scale, mode: Decimal.RoundingMode = .plain) -> Decimal {
        var input = value
        var result = Decimal()
        NSDecimalRound(&result, &input, scale, mode)
        return result
    }
}
