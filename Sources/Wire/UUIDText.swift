import Foundation

/// UUIDs as the wire and the REST API write them — lower-case, hyphenated — without the C
/// library's `sprintf`/`sscanf` that `uuidString` and `UUID(uuidString:)` go through on Linux
/// (both on every command's path: its id goes out as text and comes back in the ack).
extension UUID {
    /// The canonical lower-case form (`9f0c…-…`).
    public var lowercased: String {
        let bytes = self.uuid
        return withUnsafeBytes(of: bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { out in
                let hex: StaticString = "0123456789abcdef"
                var index = 0
                for (offset, byte) in raw.enumerated() {
                    if offset == 4 || offset == 6 || offset == 8 || offset == 10 {
                        out[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    hex.withUTF8Buffer { digits in
                        out[index] = digits[Int(byte >> 4)]
                        out[index + 1] = digits[Int(byte & 0x0F)]
                    }
                    index += 2
                }
                return 36
            }
        }
    }

    /// Parses the hyphenated form in either case; nil for anything else.
    public init?(text: some StringProtocol) {
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &bytes) { out -> Bool in
            var count = 0
            var position = 0
            for character in text.utf8 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard character == UInt8(ascii: "-") else { return false }
                    position += 1
                    continue
                }
                guard count < 32, let value = Self.hexValue(character) else { return false }
                if count % 2 == 0 { out[count / 2] = value << 4 } else { out[count / 2] |= value }
                count += 1
                position += 1
            }
            return count == 32 && position == 36
        }
        guard parsed else { return nil }
        self.init(uuid: bytes)
    }

    private static func hexValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

extension StringProtocol {
    /// The text without leading and trailing ASCII spaces and tabs — what Foundation's
    /// `trimmingCharacters(in: .whitespaces)` does for the hub's inputs, without going through
    /// `NSString` (a bridge, a copy and a UTF-16 re-decode on every request that has a token).
    public var trimmedOfSpaces: Substring {
        let string = Substring(self)
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = string.firstIndex(where: { !isSpace($0) }), let last = string.lastIndex(where: { !isSpace($0) }) else {
            return string[string.endIndex...]
        }
        return string[first...last]
    }
}
