import Hummingbird

/// The per-request context of the REST API.
public struct HubRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    /// Request bodies are small JSON documents; anything larger is refused with 413.
    public var maxUploadSize: Int { 64 * 1024 }
}
