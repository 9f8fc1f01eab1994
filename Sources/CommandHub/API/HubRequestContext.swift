import Hummingbird

/// The per-request context of the REST API.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Who is asking: the authenticated operator, or "anonymous" while operator auth is off.
    public var caller: String = "anonymous"

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Request bodies are small JSON documents; anything larger is refused with 413.
    public var maxUploadSize: Int { 64 * 1024 }
}
