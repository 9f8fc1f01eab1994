import Foundation
import HubCore
import HubStorage
import Hummingbird

/// Operator login and identity: `POST /api/auth/token` exchanges a name and password for a
/// signed bearer token; `GET /api/auth/me` says who a token belongs to.
///
/// Login takes JSON (`{"username", "password"}`) or an OAuth2 password-grant form, so the
/// docs page's "Authorize" button works. Failed attempts are limited per name and per address;
/// a wrong name and a wrong password get the same answer after the same work.
package struct AuthRoutes {
    package let operators: OperatorDirectory
    package let hasher: PasswordHasher
    package let tokens: TokenIssuer
    package let throttle: LoginThrottle
    /// A valid hash checked when the name is unknown, so both failures cost one bcrypt.
    package let decoyHash: String

    package init(
        operators: OperatorDirectory,
        hasher: PasswordHasher,
        tokens: TokenIssuer,
        throttle: LoginThrottle,
        decoyHash: String
    ) {
        self.operators = operators
        self.hasher = hasher
        self.tokens = tokens
        self.throttle = throttle
        self.decoyHash = decoyHash
    }

    package func register(on api: APIRouter) {
        api.add(.post, "/api/auth/token", .open) { request, context in try await self.login(request, context) }
        api.add(.get, "/api/auth/me", .requires(.read)) { _, context in self.me(context) }
    }

    package func login(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        var request = request
        let bytes = try await request.collectBody(upTo: context.maxUploadSize)
        let (name, password) = try Self.credentials(bytes, contentType: request.headers[.contentType] ?? "")
        try self.throttle.check(name: name, address: context.remoteAddress)
        let account = self.operators.account(named: name)
        let matches = try await self.hasher.verify(password, hash: account?.passwordHash ?? self.decoyHash)
        guard let account, matches else {
            self.throttle.failed(name: name, address: context.remoteAddress)
            throw HubError.invalidLogin
        }
        self.throttle.succeeded(name: name)
        await self.operators.store.loggedIn(name: name, at: Date())
        let (token, expires) = try await self.tokens.issue(name: account.name, role: account.role)
        var response = JSON.object([
            ("access_token", .string(token)),
            ("token_type", .string("Bearer")),
            ("expires_in", .integer(Int64(expires.timeIntervalSinceNow.rounded()))),
            ("expires_at", .timestamp(expires)),
            ("username", .string(account.name)),
            ("role", .string(account.role.rawValue)),
        ]).response()
        response.headers[.cacheControl] = "no-store"
        return response
    }

    package func me(_ context: HubRequestContext) -> Response {
        guard let identity = context.identity else { return JSON.null.response() }
        let permissions = Permission.allCases.filter(identity.role.allows).map { JSON.string($0.rawValue) }
        return JSON.object([
            ("username", .string(identity.name)), ("role", .string(identity.role.rawValue)), ("permissions", .array(permissions)),
        ]).response()
    }

    /// The name and password from a JSON body or a form (`grant_type=password&username=…`).
    package static func credentials(_ bytes: ByteBuffer, contentType: String) throws(HubError) -> (String, String) {
        if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
            let form = try FormBody(bytes)
            func field(_ name: String) throws(HubError) -> String {
                guard let value = form.value(name), !value.isEmpty else {
                    throw .badRequest(parameter: name, reason: "required")
                }
                return value
            }
            if let grant = form.value("grant_type"), grant != "password" {
                throw .badRequest(parameter: "grant_type", reason: "only password is supported")
            }
            return (try field("username"), try field("password"))
        }
        let body = try JSONBody(bytes, allowed: ["username", "password"])
        return (try body.requiredString("username"), try body.requiredString("password"))
    }
}
