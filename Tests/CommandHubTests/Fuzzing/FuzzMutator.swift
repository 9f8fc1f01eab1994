import HubFuzzTargets
/// Deterministic mutation of fuzz inputs, for the in-suite harness: the same seed gives the same
/// sequence of inputs on every machine, so a failure found in CI reproduces locally.
///
/// A small libFuzzer-like repertoire without coverage feedback: bit flips, interesting bytes
/// and integers, insertions of random bytes and of tokens from the hub's formats, deletions,
/// duplications, splices with another input, truncation, and corruption of anything that looks
/// like a big-endian length prefix.
struct FuzzMutator {
    /// SplitMix64: tiny, fast, and good enough to pick mutations.
    private var state: UInt64

    init(seed: UInt64) {
        self.state = seed
    }

    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` (`bound` > 0).
    mutating func below(_ bound: Int) -> Int {
        Int(self.next() % UInt64(bound))
    }

    /// Tokens of the formats the targets read: JSON, forms, selectors, decimals, protobuf varints.
    static let tokens: [[UInt8]] =
        [
            "\"", "\\", "{}", "[]", "null", "true", "false", ":", ",", "=", "!=", "==", "&", "%", "%00", "%FF", "%3D", "+",
            ".", "-", "-0", "0.", ".0", "1e300", "1e-300", "NaN", "Infinity", "9999999999999999999", "0.00000000001",
            "18446744073709551616", "\\u0000", "\\ud800", "é", "\u{301}", "\u{FEFF}", "\u{A0}", "\u{2028}", " ", "\t", "\n",
            "\"asset\"", "\"quantity\"", "\"min_price\"", "\"preview\"", "\"username\"", "\"password\"", "\"labels\"",
            "timeout=", "symbols=", "selector=", "client_ids=", "since=", "types=", "limit=",
        ].map { Array($0.utf8) } + [
            [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],
            [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80], [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F],
        ]

    static let interestingBytes: [UInt8] = [0x00, 0x01, 0x05, 0x0A, 0x12, 0x20, 0x22, 0x2C, 0x2E, 0x3D, 0x5C, 0x7F, 0x80, 0xC0, 0xFF]

    static let interestingLengths: [UInt32] = [0, 1, 4, 5, 16, 255, 256, 1024, 4080, 4081, 65_535, 0x7FFF_FFFF, 0xFFFF_FFFF]

    /// One to four stacked mutations of `input`; `donor` is another input to splice with.
    mutating func mutate(_ input: [UInt8], donor: [UInt8]) -> [UInt8] {
        var bytes = input
        for _ in 0...self.below(4) {
            self.mutateOnce(&bytes, donor: donor)
        }
        return bytes
    }

    private mutating func mutateOnce(_ bytes: inout [UInt8], donor: [UInt8]) {
        let position = self.below(bytes.count + 1)
        switch self.below(10) {
        case 0 where !bytes.isEmpty:
            bytes[position % bytes.count] ^= 1 << UInt8(self.below(8))
        case 1 where !bytes.isEmpty:
            bytes[position % bytes.count] = Self.interestingBytes[self.below(Self.interestingBytes.count)]
        case 2:
            bytes.insert(contentsOf: (0..<(1 + self.below(8))).map { _ in UInt8(truncatingIfNeeded: self.next()) }, at: position)
        case 3:
            bytes.insert(contentsOf: Self.tokens[self.below(Self.tokens.count)], at: position)
        case 4 where !bytes.isEmpty:
            let start = position % bytes.count
            bytes.removeSubrange(start..<min(bytes.count, start + 1 + self.below(16)))
        case 5 where !bytes.isEmpty:
            let start = position % bytes.count
            let piece = bytes[start..<min(bytes.count, start + 1 + self.below(32))]
            bytes.insert(contentsOf: piece, at: self.below(bytes.count + 1))
        case 6 where !donor.isEmpty:
            let start = self.below(donor.count)
            bytes = Array(bytes[..<position]) + donor[start..<min(donor.count, start + 1 + self.below(64))]
        case 7:
            bytes.removeSubrange(position..<bytes.count)
        case 8 where bytes.count >= 4:
            let at = self.below(bytes.count - 3)
            let length = Self.interestingLengths[self.below(Self.interestingLengths.count)]
            for index in 0..<4 { bytes[at + index] = UInt8(truncatingIfNeeded: length >> (24 - 8 * UInt32(index))) }
        case 9 where !bytes.isEmpty:
            // An off-by-some length: nudge a byte up or down, as corrupted sizes and varints are.
            let at = position % bytes.count
            bytes[at] = bytes[at] &+ UInt8(truncatingIfNeeded: self.below(7) - 3)
        default:
            bytes.append(UInt8(truncatingIfNeeded: self.next()))
        }
    }
}
