import Hummingbird
import NIOCore

/// The per-request context of the REST API: who is asking, once `OperatorAuthentication` has
/// checked the bearer token, and from where.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated operator; nil without a (valid) token.
    public var identity: OperatorIdentity?
    /// Why the presented token was refused; routes that need an identity report it (401).
    public var authenticationFailure: HubError?
    /// The client's address, for rate limits and logs.
    public let remoteAddress: String
    /// The connection, for a long-lived response that must be able to close it (event streams).
    let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        self.channel = source.channel
    }

    /// Who is asking, as the command log records it (`requested_by`).
    public var caller: String { self.identity?.name ?? "anonymous" }

    /// Request bodies are small JSON documents; anything larger is refused with 413.
    public var maxUploadSize: Int { 64 * 1024 }

    /// Passes if the caller's role allows `permission`: 401 without a valid token, 403 for a
    /// role that may not.
    func authorize(_ permission: Permission) throws(HubError) {
        guard let identity = self.identity else {
            throw self.authenticationFailure ?? .unauthenticated("missing bearer token")
        }
        guard identity.role.allows(permission) else { throw .forbidden(role: identity.role, needs: permission.minimumRole) }
    }
}

/// An authenticated operator: the account's name and its current role.
public struct OperatorIdentity: Sendable, Equatable {
    public var name: String
    public var role: OperatorRole
}
