/// What happened to the agent's link to the hub; delivered to `HubLink` observers.
public enum LinkEvent: Sendable, Equatable {
    /// The hub accepted the Hello; `sessionID` is from its Welcome.
    case connected(sessionID: String)
    /// The stream ended; the agent will reconnect after `retryIn` unless the reason is fatal.
    case disconnected(reason: String, retryIn: Duration?)

    /// True for `.connected`.
    public var isConnected: Bool {
        if case .connected = self { return true }
        return false
    }
}
