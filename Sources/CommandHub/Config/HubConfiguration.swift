import DaemonSupport
import Foundation
import HubCore

/// Everything a hub needs to run, read once at start-up and passed down as a value.
///
/// Defaults are the embedded demo's: loopback listeners, short heartbeats, SQLite next to the
/// working directory. Nothing below reads the environment; `HubConfiguration+Loading` does that
/// once at the edge.
public struct HubConfiguration: Sendable, Equatable {
    /// Where the gRPC `AgentLink` listener binds. Port 0 picks a free port (tests).
    public var grpcHost: String = "127.0.0.1"
    public var grpcPort: Int = 50051
    /// Where the REST API binds. Port 0 picks a free port (tests).
    public var httpHost: String = "127.0.0.1"
    public var httpPort: Int = 8080

    /// A REST request's head must arrive within this of its connection opening (or the previous
    /// answer), and its body within this of its head; slower connections are closed.
    public var httpRequestTimeout: Duration = .seconds(30)
    /// REST connections open at once; more are closed on arrival.
    public var httpMaxConnections: Int = 4096
    /// The listeners' certificate chain and private key (PEM files). Set both to serve REST and
    /// gRPC over TLS; set neither for plaintext, which only a loopback address may serve unless
    /// `allowPlaintextListeners` says otherwise.
    public var tlsCertificateFile: String?
    public var tlsKeyFile: String?
    /// CA certificates (PEM) that agents' client certificates must chain to: mutual TLS on the
    /// gRPC listener, which then refuses any connection without such a certificate. Needs TLS.
    public var grpcClientCAFile: String?
    /// Serve plaintext on a non-loopback address (behind a TLS-terminating proxy, say).
    public var allowPlaintextListeners: Bool = false

    /// How often agents are told to send a heartbeat.
    public var heartbeatInterval: Duration = .seconds(5)
    /// An agent silent for longer than this is declared gone and its stream closed.
    public var livenessTimeout: Duration = .seconds(15)
    /// How long a new stream may take to send its `Hello`.
    public var helloTimeout: Duration = .seconds(10)
    /// HTTP/2 keepalive: ping an idle connection this often, drop it if no answer within the timeout.
    public var keepaliveInterval: Duration = .seconds(30)
    public var keepaliveTimeout: Duration = .seconds(10)

    /// Deadline of a command when the request names none (5.0 s, as existing clients expect).
    public var defaultCommandTimeout: Duration = .seconds(5)
    /// Upper bound for a `timeout` a caller may ask for.
    public var maxCommandTimeout: Duration = .seconds(300)
    /// How late a deadline may fire at most; the sweeper wakes at least this often while commands wait.
    public var deadlineResolution: Duration = .milliseconds(10)

    /// Largest agent message accepted; larger ones end the stream with `RESOURCE_EXHAUSTED`.
    public var maxAgentMessageBytes: Int = 1 << 20
    /// Commands queued for one agent's stream before further sends fail fast.
    public var outboxCapacity: Int = 1024
    /// Default concurrent sends of one bulk action.
    public var bulkConcurrency: Int = 1024

    /// The hub's SQLite file (credentials, known agents, command log); created on first run.
    public var storePath: String = "commandhub.sqlite"
    /// `postgres://…`: the store is in PostgreSQL (shared by several hubs) instead of `storePath`.
    public var storeURL: String?
    /// This hub's id; nil: generated on first start and kept in the store.
    public var hubID: String?
    /// Several hubs on PostgreSQL: the REST base URL other hubs forward to (nil: the REST
    /// listener's own address, right when it binds a specific host).
    public var clusterAdvertiseURL: String?
    /// Several hubs on PostgreSQL: a hub that has not renewed its lease for this long is
    /// declared lost — its commands are ended and its late writes refused.
    public var clusterLease: Duration = .seconds(5)
    /// Finished commands and jobs older than this are pruned.
    public var commandRetention: Duration = .seconds(30 * 86_400)
    /// `Idempotency-Key` answers are kept this long.
    public var idempotencyRetention: Duration = .seconds(86_400)
    /// On reconnect, commands of the agent this recent whose outcome is unknown are reconciled.
    public var reconcileWindow: Duration = .seconds(86_400)
    /// How often the hub checks the database for credential changes made by the CLI.
    public var credentialPollInterval: Duration = .milliseconds(500)

    /// How long graceful shutdown lets in-flight commands finish before agent streams close.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// The window a stopping hub tells its agents to spread their reconnects over (the restart
    /// hint); each agent comes back after a uniform random delay in it, not its grown backoff.
    public var shutdownReconnectWindow: Duration = .seconds(1)

    /// How often an idle `GET /api/crypto/events/` stream gets a `: keepalive` comment, so
    /// proxies keep it open. Set in code (tests use a short one); not a configuration key.
    public var eventKeepaliveInterval: Duration = .seconds(15)
    /// Events buffered per event-stream subscriber; one that falls further behind is sent an
    /// overflow notice and disconnected. Set in code; not a configuration key.
    public var eventBufferCapacity: Int = 1024

    /// Bearer tokens accepted from agents when no credential store is configured.
    public var agentTokens: Set<String> = []
    /// Accept agents without any token (only for loopback demos and tests).
    public var allowUnauthenticatedAgents: Bool = false

    /// The key that signs operator tokens (at least 32 characters). Without one, a random key
    /// is created in the database on first start and kept, so tokens survive restarts.
    public var jwtSecret: String?
    /// How long an operator token from `POST /api/auth/token` is valid.
    public var tokenLifetime: Duration = .seconds(3600)
    /// bcrypt work factor for operator passwords (2^cost rounds).
    public var bcryptCost: Int = 12
    /// Failed logins allowed per user name and per client address within a minute.
    public var loginAttemptsPerMinute: Int = 10

    public init() {}

    /// Checks the invariants between fields; the message names the offending key.
    public func validate() throws(ConfigurationError) {
        func port(_ value: Int, _ key: String) throws(ConfigurationError) {
            guard (0...65535).contains(value) else { throw .invalid(key: key, reason: "must be 0...65535, got \(value)") }
        }
        try port(self.grpcPort, "grpc.port")
        try port(self.httpPort, "http.port")
        try self.validateListenerSecurity()
        func positive(_ value: Duration, _ key: String) throws(ConfigurationError) {
            guard value > .zero else { throw .invalid(key: key, reason: "must be positive") }
        }
        try positive(self.heartbeatInterval, "agents.heartbeat_interval_seconds")
        try positive(self.httpRequestTimeout, "http.request_timeout_seconds")
        guard self.httpMaxConnections >= 1 else { throw .invalid(key: "http.max_connections", reason: "must be at least 1") }
        try positive(self.livenessTimeout, "agents.liveness_timeout_seconds")
        try positive(self.helloTimeout, "agents.hello_timeout_seconds")
        try positive(self.defaultCommandTimeout, "commands.default_timeout_seconds")
        try positive(self.maxCommandTimeout, "commands.max_timeout_seconds")
        try positive(self.deadlineResolution, "commands.deadline_resolution_ms")
        try positive(self.keepaliveInterval, "grpc.keepalive_interval_seconds")
        try positive(self.keepaliveTimeout, "grpc.keepalive_timeout_seconds")
        try positive(self.shutdownGracePeriod, "shutdown.grace_period_seconds")
        guard self.shutdownReconnectWindow >= .zero, self.shutdownReconnectWindow <= .seconds(60) else {
            throw .invalid(key: "shutdown.reconnect_window_ms", reason: "must be 0...60000")
        }
        try positive(self.commandRetention, "store.retention_days")
        try positive(self.idempotencyRetention, "store.idempotency_retention_hours")
        try positive(self.reconcileWindow, "store.reconcile_window_hours")
        try positive(self.credentialPollInterval, "store.credential_poll_ms")
        guard self.clusterLease >= .milliseconds(500), self.clusterLease <= .seconds(300) else {
            throw .invalid(key: "cluster.lease_ms", reason: "must be 500...300000")
        }
        if let url = self.clusterAdvertiseURL, !(url.hasPrefix("http://") || url.hasPrefix("https://")) {
            throw .invalid(key: "cluster.advertise_url", reason: "must be an http:// or https:// URL")
        }
        guard !self.storePath.isEmpty else { throw .invalid(key: "store.path", reason: "must not be empty") }
        if let url = self.storeURL, !(url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")) {
            throw .invalid(key: "store.url", reason: "must be a postgres:// URL")
        }
        if let id = self.hubID,
            id.isEmpty || id.count > 64 || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        {
            throw .invalid(key: "hub.id", reason: "must be 1-64 characters of letters, digits, '-', '_' or '.'")
        }
        guard self.livenessTimeout > self.heartbeatInterval else {
            throw .invalid(key: "agents.liveness_timeout_seconds", reason: "must be longer than agents.heartbeat_interval_seconds")
        }
        guard self.defaultCommandTimeout <= self.maxCommandTimeout else {
            throw .invalid(key: "commands.default_timeout_seconds", reason: "must not exceed commands.max_timeout_seconds")
        }
        guard self.maxAgentMessageBytes >= 1024 else {
            throw .invalid(key: "grpc.max_message_bytes", reason: "must be at least 1024")
        }
        guard self.outboxCapacity >= 1 else { throw .invalid(key: "agents.outbox_capacity", reason: "must be at least 1") }
        try positive(self.eventKeepaliveInterval, "event_keepalive_interval")
        guard self.eventBufferCapacity >= 1 else { throw .invalid(key: "event_buffer_capacity", reason: "must be at least 1") }
        guard self.bulkConcurrency >= 1 else { throw .invalid(key: "commands.bulk_concurrency", reason: "must be at least 1") }
        if let secret = self.jwtSecret, secret.utf8.count < 32 {
            throw .invalid(key: "auth.jwt_secret", reason: "must be at least 32 characters")
        }
        try positive(self.tokenLifetime, "auth.token_ttl_seconds")
        guard (4...31).contains(self.bcryptCost) else { throw .invalid(key: "auth.bcrypt_cost", reason: "must be 4...31") }
        guard self.loginAttemptsPerMinute >= 1 else {
            throw .invalid(key: "auth.login_attempts_per_minute", reason: "must be at least 1")
        }
    }
}
