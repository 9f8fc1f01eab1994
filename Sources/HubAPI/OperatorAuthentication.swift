import Foundation
import HubCore
import HubStorage
import Hummingbird
import Wire

/// Reads `Authorization: Bearer <token>` on every request and, when the token verifies and its
/// account still exists, puts the operator (with the account's current role) in the context.
/// It rejects nothing itself: a route that needs an identity answers 401 with the reason kept
/// here, so open routes (login, health, docs) work with or without a token.
package struct OperatorAuthentication: RouterMiddleware {
    package typealias Context = HubRequestContext

    package let tokens: TokenIssuer
    package let operators: OperatorDirectory

    package init(
        tokens: TokenIssuer,
        operators: OperatorDirectory
    ) {
        self.tokens = tokens
        self.operators = operators
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { return try await next(request, context) }
        var context = context
        do {
            context.identity = try await self.identify(header)
        } catch {
            context.authenticationFailure = error
        }
        return try await next(request, context)
    }

    private func identify(_ header: String) async throws(HubError) -> OperatorIdentity {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw .unauthenticated("the Authorization header must be Bearer <token>")
        }
        let verified = try await self.tokens.verify(String(parts[1].trimmedOfSpaces))
        guard let account = self.operators.account(named: verified.name) else {
            throw .unauthenticated("the account of this token no longer exists")
        }
        return OperatorIdentity(name: account.name, role: account.role)
    }
}
