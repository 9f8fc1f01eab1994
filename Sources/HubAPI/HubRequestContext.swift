import HubCore
import Hummingbird
import NIOCore

/// The per-request context of the REST API: who is asking, once `OperatorAuthentication` has
/// checked the bearer token, and from where.
package struct HubRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The authenticated operator; nil without a (valid) token.
    package var identity: OperatorIdentity?
    /// Why the presented token was refused; routes that need an identity report it (401).
    package var authenticationFailure: HubError?
    /// The client's address, for rate limits and logs.
    package let remoteAddress: String
    /// The connection, for a long-lived response that must be able to close it (event streams).
    package let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.channel = source.channel
    }

    /// Who is asking, as the command log records it (`requested_by`).
    package var caller: String { self.identity?.name ?? "anonymous" }

    /// Request bodies are small JSON documents; anything larger is refused with 413.
    package var maxUploadSize: Int { 64 * 1024 }

    /// Passes if the caller's role allows `permission`: 401 without a valid token, 403 for a
    /// role that may not.
    package func authorize(_ permission: Permission) throws(HubError) {
        guard let identity = self.identity else {
            throw self.authenticationFailure ?? .unauthenticated("missing bearer token")
        }
        guard identity.role.allows(permission) else { throw .forbidden(role: identity.role, needs: permission.minimumRole) }
    }
}

/// An authenticated operator: the account's name and its current role.
package struct OperatorIdentity: Sendable, Equatable {
    package var name: String
    package var role: OperatorRole

    package init(
        name: String,
        role: OperatorRole
    ) {
        self.name = name
        self.role = role
    }
}
