import HubCore
import HummingbirdBcrypt
import NIOPosix

/// bcrypt hashing and checking of operator passwords, on NIO's blocking thread pool: one check
/// at the default cost takes a quarter of a second of CPU, which must never stall an event loop
/// or a thread of the concurrency pool.
package struct PasswordHasher: Sendable {
    /// bcrypt's work factor (2^cost rounds); 12 by default, lower only in tests.
    package let cost: UInt8

    package init(cost: UInt8 = 12) {
        self.cost = cost
    }

    package func hash(_ password: String) async throws -> String {
        let cost = self.cost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    package func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Passwords are 12 to 256 characters; the message says what is wrong.
    package static func validate(_ password: String) throws(HubError) {
        guard (12...256).contains(password.count) else {
            throw .badRequest(parameter: "password", reason: "must be 12 to 256 characters")
        }
    }

    /// A random password for accounts created without one: 24 characters, ~143 bits.
    package static func generate() -> String {
        let alphabet = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<24).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
