import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension UUID {
    /// A random (version 4) UUID from the system's generator, drawn from a pool refilled 4 KB
    /// at a time: one read of `/dev/urandom` per 256 ids.
    ///
    /// Foundation's `UUID()` on Linux opens, reads and closes `/dev/urandom` on every call, and
    /// `SystemRandomNumberGenerator` makes one `getrandom` call per 8 bytes; the hub makes an id
    /// per command. The ids name commands and sessions; they are not secrets.
    public static func random() -> UUID {
        var bytes = RandomPool.shared.take16()
        bytes.6 = (bytes.6 & 0x0F) | 0x40  // version 4
        bytes.8 = (bytes.8 & 0x3F) | 0x80  // variant 10
        return UUID(uuid: bytes)
    }
}

/// Random bytes from the system, fetched in 4 KB blocks and handed out 16 at a time.
private final class RandomPool: Sendable {
    static let shared = RandomPool()
    static let size = 4096

    private struct State {
        var bytes = [UInt8](repeating: 0, count: RandomPool.size)
        var next = RandomPool.size
    }

    private let state = Mutex(State())

    func take16() -> uuid_t {
        self.state.withLock { state -> uuid_t in
            if state.next + 16 > RandomPool.size {
                state.bytes.withUnsafeMutableBytes { RandomPool.fill($0) }
                state.next = 0
            }
            defer { state.next += 16 }
            return state.bytes.withUnsafeBytes { raw in
                raw.loadUnaligned(fromByteOffset: state.next, as: uuid_t.self)
            }
        }
    }

    /// `/dev/urandom`, opened once for the process (Glibc does not export `getrandom`).
    #if canImport(Glibc)
        private static let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    #endif

    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        #if canImport(Glibc)
            var filled = 0
            while Self.device >= 0, filled < buffer.count {
                let count = read(Self.device, buffer.baseAddress! + filled, buffer.count - filled)
                if count > 0 { filled += count } else if count == 0 || errno != EINTR { break }
            }
            if filled == buffer.count { return }
        #elseif canImport(Darwin)
            arc4random_buf(buffer.baseAddress!, buffer.count)
            return
        #endif
        var generator = SystemRandomNumberGenerator()
        for index in buffer.indices { buffer[index] = generator.next() }
    }
}
