import Configuration
import DaemonSupport
import Foundation
import HubCore

extension HubConfiguration {
    /// Every configuration key, its environment variable and what it means: `commandhub serve
    /// --help` renders this list, and docs/CONFIGURATION.md documents the same keys.
    public static let keys: [ConfigurationKey] = [
        ConfigurationKey("grpc.host", "address the gRPC AgentLink listener binds (default 127.0.0.1)"),
        ConfigurationKey("grpc.port", "gRPC port; 0 picks a free one (default 50051)"),
        ConfigurationKey("grpc.keepalive_interval_seconds", "HTTP/2 ping interval on idle agent connections (30)"),
        ConfigurationKey("grpc.keepalive_timeout_seconds", "drop a connection whose ping is not answered in time (10)"),
        ConfigurationKey("grpc.max_message_bytes", "largest agent message accepted (1048576)"),
        ConfigurationKey(
            "grpc.client_ca_file", "CA certificates (PEM) agents' client certificates must chain to: mutual TLS (needs tls.*)"
        ),
        ConfigurationKey("http.host", "address the REST API binds (default 127.0.0.1)"),
        ConfigurationKey("http.port", "REST port; 0 picks a free one (default 8080)"),
        ConfigurationKey(
            "http.request_timeout_seconds", "a request's head and body must each arrive within this (slow clients are cut off) (30)"
        ),
        ConfigurationKey("http.max_connections", "REST connections open at once; more are closed on arrival (4096)"),
        ConfigurationKey("tls.cert_file", "certificate chain (PEM) of both listeners; with tls.key_file, REST and gRPC serve TLS only"),
        ConfigurationKey("tls.key_file", "private key (PEM) of tls.cert_file"),
        ConfigurationKey("listeners.allow_plaintext", "serve plaintext on a non-loopback host (false: refuse to start)"),
        ConfigurationKey("agents.heartbeat_interval_seconds", "heartbeat interval agents are told to use (5)"),
        ConfigurationKey("agents.liveness_timeout_seconds", "silence after which an agent is declared gone (15)"),
        ConfigurationKey("agents.hello_timeout_seconds", "time a new stream has to send Hello (10)"),
        ConfigurationKey("agents.outbox_capacity", "commands queued per agent before sends fail fast (1024)"),
        ConfigurationKey("agents.tokens", "comma-separated static agent bearer tokens (secret)", secret: true),
        ConfigurationKey("agents.allow_unauthenticated", "accept agents without a token; loopback demos only (false)"),
        ConfigurationKey("commands.default_timeout_seconds", "deadline of a command without ?timeout= (5.0)"),
        ConfigurationKey("commands.max_timeout_seconds", "largest ?timeout= accepted (300)"),
        ConfigurationKey("commands.deadline_resolution_ms", "how late a deadline may fire at most (10)"),
        ConfigurationKey("commands.bulk_concurrency", "default max commands in flight per bulk action (1024)"),
        ConfigurationKey("shutdown.grace_period_seconds", "time SIGTERM gives in-flight commands before streams close (10)"),
        ConfigurationKey(
            "shutdown.reconnect_window_ms", "agents of a stopping hub spread their reconnects over this window, 0...60000 (1000)"
        ),
        ConfigurationKey("store.path", "the hub's SQLite file, created on first run (commandhub.sqlite)"),
        ConfigurationKey(
            "store.url", "postgres://user:password@host:port/database: keep the store in PostgreSQL instead of store.path (secret)",
            secret: true
        ),
        ConfigurationKey("hub.id", "this hub's id among several on one store (default: generated once and kept in the store)"),
        ConfigurationKey(
            "cluster.advertise_url",
            "several hubs on PostgreSQL: the REST base URL other hubs forward to (default: http://http.host:bound port)"
        ),
        ConfigurationKey("cluster.lease_ms", "several hubs on PostgreSQL: a hub silent this long is declared lost, 500...300000 (5000)"),
        ConfigurationKey("store.retention_days", "finished commands and jobs older than this are pruned (30)"),
        ConfigurationKey("store.idempotency_retention_hours", "how long Idempotency-Key answers are kept (24)"),
        ConfigurationKey("store.reconcile_window_hours", "how far back unknown outcomes are reconciled on reconnect (24)"),
        ConfigurationKey("store.credential_poll_ms", "how often credential and operator changes by the CLI are picked up (500)"),
        ConfigurationKey(
            "auth.jwt_secret", "key signing operator tokens, >= 32 characters (secret; default: generated and kept in the database)",
            secret: true
        ),
        ConfigurationKey("auth.token_ttl_seconds", "lifetime of an operator token (3600)"),
        ConfigurationKey("auth.bcrypt_cost", "bcrypt work factor of operator passwords, 4...31 (12)"),
        ConfigurationKey("auth.login_attempts_per_minute", "failed logins allowed per user name and per address each minute (10)"),
    ]

    /// Reads the configuration: `overrides` (command-line flags) first, then `COMMANDHUB_*`
    /// environment variables (`grpc.port` ↔ `COMMANDHUB_GRPC_PORT`), then the JSON file, then
    /// the defaults. Validates the result.
    public static func load(
        file: String?, environment: [String: String], overrides: [String: String] = [:]
    ) async throws(ConfigurationError) -> HubConfiguration {
        let sources = try await ConfigurationSources.load(
            file: file, environment: environment, environmentPrefix: "COMMANDHUB",
            secrets: Self.keys.secretEnvironmentNames(prefix: "COMMANDHUB"), overrides: overrides
        )
        return try HubConfiguration(values: ConfigValues(sources))
    }

    /// Builds a configuration from a reader; unknown values keep their defaults, malformed ones
    /// are errors naming the key.
    public init(reader: ConfigReader) throws(ConfigurationError) {
        try self.init(values: ConfigValues(ConfigurationSources(reader: reader)))
    }

    /// Builds a configuration from typed values; unknown values keep their defaults, malformed
    /// ones are errors naming the key.
    init(values: ConfigValues) throws(ConfigurationError) {
        self.init()
        self.grpcHost = try values.string("grpc.host") ?? self.grpcHost
        self.grpcPort = try values.int("grpc.port") ?? self.grpcPort
        self.keepaliveInterval = try values.seconds("grpc.keepalive_interval_seconds") ?? self.keepaliveInterval
        self.keepaliveTimeout = try values.seconds("grpc.keepalive_timeout_seconds") ?? self.keepaliveTimeout
        self.maxAgentMessageBytes = try values.int("grpc.max_message_bytes") ?? self.maxAgentMessageBytes
        self.grpcClientCAFile = try values.string("grpc.client_ca_file") ?? self.grpcClientCAFile
        self.httpHost = try values.string("http.host") ?? self.httpHost
        self.httpPort = try values.int("http.port") ?? self.httpPort
        self.httpRequestTimeout = try values.seconds("http.request_timeout_seconds") ?? self.httpRequestTimeout
        self.httpMaxConnections = try values.int("http.max_connections") ?? self.httpMaxConnections
        self.tlsCertificateFile = try values.string("tls.cert_file") ?? self.tlsCertificateFile
        self.tlsKeyFile = try values.string("tls.key_file") ?? self.tlsKeyFile
        self.allowPlaintextListeners = try values.bool("listeners.allow_plaintext") ?? self.allowPlaintextListeners
        self.heartbeatInterval = try values.seconds("agents.heartbeat_interval_seconds") ?? self.heartbeatInterval
        self.livenessTimeout = try values.seconds("agents.liveness_timeout_seconds") ?? self.livenessTimeout
        self.helloTimeout = try values.seconds("agents.hello_timeout_seconds") ?? self.helloTimeout
        self.outboxCapacity = try values.int("agents.outbox_capacity") ?? self.outboxCapacity
        if let tokens = try values.list("agents.tokens", secret: true) { self.agentTokens = Set(tokens) }
        self.allowUnauthenticatedAgents = try values.bool("agents.allow_unauthenticated") ?? self.allowUnauthenticatedAgents
        self.defaultCommandTimeout = try values.seconds("commands.default_timeout_seconds") ?? self.defaultCommandTimeout
        self.maxCommandTimeout = try values.seconds("commands.max_timeout_seconds") ?? self.maxCommandTimeout
        if let milliseconds = try values.int("commands.deadline_resolution_ms") { self.deadlineResolution = .milliseconds(milliseconds) }
        self.bulkConcurrency = try values.int("commands.bulk_concurrency") ?? self.bulkConcurrency
        self.shutdownGracePeriod = try values.seconds("shutdown.grace_period_seconds") ?? self.shutdownGracePeriod
        if let window = try values.int("shutdown.reconnect_window_ms") { self.shutdownReconnectWindow = .milliseconds(window) }
        self.storePath = try values.string("store.path") ?? self.storePath
        self.storeURL = try values.string("store.url", secret: true) ?? self.storeURL
        self.hubID = try values.string("hub.id") ?? self.hubID
        self.clusterAdvertiseURL = try values.string("cluster.advertise_url") ?? self.clusterAdvertiseURL
        if let milliseconds = try values.int("cluster.lease_ms") { self.clusterLease = .milliseconds(milliseconds) }
        if let days = try values.number("store.retention_days") { self.commandRetention = .seconds(days * 86_400) }
        if let hours = try values.number("store.idempotency_retention_hours") { self.idempotencyRetention = .seconds(hours * 3600) }
        if let hours = try values.number("store.reconcile_window_hours") { self.reconcileWindow = .seconds(hours * 3600) }
        if let milliseconds = try values.int("store.credential_poll_ms") { self.credentialPollInterval = .milliseconds(milliseconds) }
        self.jwtSecret = try values.string("auth.jwt_secret", secret: true) ?? self.jwtSecret
        self.tokenLifetime = try values.seconds("auth.token_ttl_seconds") ?? self.tokenLifetime
        self.bcryptCost = try values.int("auth.bcrypt_cost") ?? self.bcryptCost
        self.loginAttemptsPerMinute = try values.int("auth.login_attempts_per_minute") ?? self.loginAttemptsPerMinute
        try self.validate()
    }
}
