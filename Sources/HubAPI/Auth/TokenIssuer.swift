import Crypto
import Foundation
import HubCore
import JWTKit
import Synchronization

/// Signs and checks the bearer tokens operators get from `POST /api/auth/token`: HS256 JWTs
/// naming the operator (`sub`) with an expiry.
///
/// A verified token is cached (bounded) until it expires, so the common case — the same token
/// on request after request — costs one dictionary lookup instead of an HMAC and a JSON decode
/// through `JWTKeyCollection`'s actor. The token grants nothing by itself: each request also
/// needs the named account to still exist, and its role is the account's current one.
package final class TokenIssuer: Sendable {
    /// The claims a hub token carries.
    package struct Claims: JWTPayload {
        package var sub: SubjectClaim
        package var exp: ExpirationClaim
        package var iat: IssuedAtClaim
        package var iss: IssuerClaim
        package var role: String

        package init(
            sub: SubjectClaim,
            exp: ExpirationClaim,
            iat: IssuedAtClaim,
            iss: IssuerClaim,
            role: String
        ) {
            self.sub = sub
            self.exp = exp
            self.iat = iat
            self.iss = iss
            self.role = role
        }

        package func verify(using algorithm: some JWTAlgorithm) async throws {
            guard self.exp.value > Date() else { throw Expired() }
            guard self.iss.value == TokenIssuer.issuer else {
                throw JWTError.claimVerificationFailure(failedClaim: self.iss, reason: "wrong issuer")
            }
        }
    }

    package struct Expired: Error {}

    /// A token that passed verification: whose it is and until when.
    package struct Verified: Sendable {
        package let name: String
        package let expires: Date

        package init(
            name: String,
            expires: Date
        ) {
            self.name = name
            self.expires = expires
        }
    }

    package static let issuer = "commandhub"

    package let lifetime: Duration
    private let key: SymmetricKey
    private let keys = JWTKeyCollection()
    /// Whether `key` was added to `keys` (an actor, so it happens on first use).
    private let prepared = Atomic<Bool>(false)
    private let cache = Mutex<[String: Verified]>([:])
    private let cacheCapacity = 4096

    /// `key` must hold at least 32 bytes (256 bits).
    package init(key: [UInt8], lifetime: Duration) {
        self.lifetime = lifetime
        self.key = SymmetricKey(data: key)
    }

    private func prepare() async {
        guard !self.prepared.load(ordering: .acquiring) else { return }
        await self.keys.add(hmac: HMACKey(key: self.key), digestAlgorithm: .sha256)
        self.prepared.store(true, ordering: .releasing)
    }

    /// A signed token for `name`, valid for `lifetime` from `now`.
    package func issue(name: String, role: OperatorRole, now: Date = Date()) async throws -> (token: String, expires: Date) {
        let expires = now.addingTimeInterval(Double(self.lifetime.components.seconds))
        let claims = Claims(
            sub: .init(value: name), exp: .init(value: expires), iat: .init(value: now), iss: .init(value: Self.issuer),
            role: role.rawValue
        )
        await self.prepare()
        return (try await self.keys.sign(claims), expires)
    }

    /// The verified token, or `.unauthenticated` saying why not.
    package func verify(_ token: String, now: Date = Date()) async throws(HubError) -> Verified {
        if let cached = self.cache.withLock({ $0[token] }) {
            guard cached.expires > now else { throw .unauthenticated("the bearer token has expired") }
            return cached
        }
        guard token.utf8.count <= 4096 else { throw .unauthenticated("invalid bearer token") }
        await self.prepare()
        let claims: Claims
        do {
            claims = try await self.keys.verify(token, as: Claims.self)
        } catch is Expired {
            throw .unauthenticated("the bearer token has expired")
        } catch {
            throw .unauthenticated("invalid bearer token")
        }
        let verified = Verified(name: claims.sub.value, expires: claims.exp.value)
        self.cache.withLock { cache in
            if cache.count >= self.cacheCapacity { cache = cache.filter { $0.value.expires > now } }
            if cache.count >= self.cacheCapacity { cache.removeAll(keepingCapacity: true) }
            cache[token] = verified
        }
        return verified
    }

    /// 32 random bytes for a new signing key.
    package static func newKey() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}
