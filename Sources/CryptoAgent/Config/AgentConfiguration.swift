import Foundation

/// Everything an agent needs, read once from its config file and environment and passed down.
public struct AgentConfiguration: Sendable, Equatable {
    /// Stable identity; when nil the agent's local state supplies (or creates) one.
    public var agentID: UUID?
    public var name: String = "crypto-agent"
    /// The hubs' gRPC addresses, `host:port` each: the agent connects to one, and after a
    /// disconnect tries the next in turn (several hubs sharing one store serve any agent).
    public var hubAddresses: [String] = ["127.0.0.1:50051"]
    /// The first hub; setting it makes it the only one.
    public var hubAddress: String {
        get { self.hubAddresses.first ?? "" }
        set { self.hubAddresses = [newValue] }
    }
    /// Bearer token for the hub (`commandhub agents add`).
    public var token: String?
    /// TLS towards the hub (and the client certificate for mutual TLS); nil: plaintext.
    public var tls: HubTLSConfiguration?
    public var labels: [String: String] = [:]
    /// Periodic wallet sync while ACTIVE.
    public var syncInterval: Duration = .seconds(30)
    /// Reconnect backoff: full jitter over `min(maxBackoff, initialBackoff * 2^attempt)`.
    public var initialBackoff: Duration = .milliseconds(500)
    public var maxBackoff: Duration = .seconds(30)
    /// HTTP/2 keepalive towards the hub.
    public var keepaliveInterval: Duration = .seconds(20)
    public var keepaliveTimeout: Duration = .seconds(10)
    /// Commands executed at the same time; more wait in order.
    public var maxInFlight: Int = 32
    /// The agent's SQLite file (identity, finished commands, paper ledger).
    public var statePath: String = "crypto-agent.sqlite"
    /// Finished commands are remembered (and answered from the record) this long.
    public var finishedRetention: Duration = .seconds(72 * 3600)
    /// The exchange connector: `paper`, the built-in simulated exchange, or `binance`.
    public var exchange: String = "paper"
    public var paper = PaperExchangeConfiguration()
    public var binance = BinanceConfiguration()
    /// The agent's own limits on sells.
    public var limits = SellLimits()

    public init() {}

    /// Every hub's host and port, validated, in the configured order.
    public func hubEndpoints() throws(AgentError) -> [(host: String, port: Int)] {
        guard !self.hubAddresses.isEmpty else { throw .configuration("hub must name at least one host:port") }
        var endpoints: [(host: String, port: Int)] = []
        for address in self.hubAddresses { endpoints.append(try Self.endpoint(address)) }
        return endpoints
    }

    private static func endpoint(_ address: String) throws(AgentError) -> (host: String, port: Int) {
        guard let colon = address.lastIndex(of: ":"),
            let port = Int(address[address.index(after: colon)...]), (1...65535).contains(port)
        else { throw .configuration("hub must be host:port, got \"\(address)\"") }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .configuration("hub must be host:port, got \"\(address)\"") }
        return (host, port)
    }

    /// Checks the invariants between fields; the message names the offending key.
    public func validate() throws(AgentError) {
        _ = try self.hubEndpoints()
        try self.tls?.validate()
        guard !self.name.isEmpty, self.name.count <= 128 else { throw .configuration("name must be 1-128 characters") }
        guard self.syncInterval > .zero else { throw .configuration("sync_interval_seconds must be positive") }
        guard self.initialBackoff > .zero, self.maxBackoff >= self.initialBackoff else {
            throw .configuration("backoff: need 0 < initial_backoff_seconds <= max_backoff_seconds")
        }
        guard self.finishedRetention >= .seconds(60) else { throw .configuration("finished_retention_hours must be at least 1/60") }
        guard self.maxInFlight >= 1 else { throw .configuration("max_in_flight must be at least 1") }
        switch self.exchange {
        case "paper": try self.paper.validate()
        case "binance": try self.binance.validate()
        default: throw .configuration("exchange \"\(self.exchange)\" is not available; use \"paper\" or \"binance\"")
        }
        try self.limits.validate()
    }
}
