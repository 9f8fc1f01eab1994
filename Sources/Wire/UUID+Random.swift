import Foundation

extension UUID {
    /// A random (version 4) UUID from the system's generator (`getrandom` on Linux).
    ///
    /// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` on every call —
    /// three system calls per id, and the hub makes one per command.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        return UUID.random(using: &generator)
    }

    /// A random (version 4) UUID from `generator`.
    public static func random(using generator: inout some RandomNumberGenerator) -> UUID {
        var high = generator.next() as UInt64
        var low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000  // version 4: the high nibble of byte 6
        low = (low & ~(0xC0 << 56)) | (0x80 << 56)  // variant 10: the top bits of byte 8
        let h = high.bigEndian
        let l = low.bigEndian
        return withUnsafeBytes(of: (h, l)) { raw in
            UUID(
                uuid: (
                    raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7],
                    raw[8], raw[9], raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]
                ))
        }
    }
}
