import DaemonSupport

extension AgentConfiguration {
    /// The environment variables' prefix: `sync_interval_seconds` ↔ `CRYPTO_AGENT_SYNC_INTERVAL_SECONDS`.
    public static let environmentPrefix = "CRYPTO_AGENT"

    /// Every configuration key, what it means and its default; `crypto-agent run --help` renders
    /// this table. A map (`labels`, `paper.balances`, …) is a JSON object in the file and
    /// `k=v,k2=v2` in its environment variable, which replaces the file's map whole.
    public static let keys: [ConfigurationKey] =
        [
            ConfigurationKey("agent_id", "agent id (UUID); default: the one kept in the state file, else a new one"),
            ConfigurationKey("name", "display name (crypto-agent)"),
            ConfigurationKey("hub", "hub gRPC address, host:port; several comma-separated (127.0.0.1:50051)"),
            ConfigurationKey("hubs", "hub gRPC addresses, a list of host:port tried in turn after a disconnect (overrides hub)"),
            ConfigurationKey("token", "bearer token for the hub (commandhub agents add)", secret: true),
            ConfigurationKey("tls", "true: connect with TLS (system trust roots unless tls.ca_file is set); false: plaintext (false)"),
            ConfigurationKey("tls.ca_file", "CA certificates (PEM) the hub's certificate must chain to; enables TLS"),
            ConfigurationKey("tls.cert_file", "the agent's client certificate (PEM) for mutual TLS; enables TLS"),
            ConfigurationKey("tls.key_file", "the private key (PEM) of the client certificate"),
            ConfigurationKey("tls.server_name", "DNS name expected in the hub's certificate (and SNI), if not the hub's host"),
            ConfigurationKey("labels", "labels, a map: {\"desk\": \"spot\"} in the file, desk=spot,venue=x in the environment"),
            ConfigurationKey("sync_interval_seconds", "periodic wallet sync interval (30)"),
            ConfigurationKey("initial_backoff_seconds", "first reconnect delay bound (0.5)"),
            ConfigurationKey("max_backoff_seconds", "largest reconnect delay bound (30)"),
            ConfigurationKey("max_in_flight", "commands executed at once (32)"),
            ConfigurationKey("state_path", "SQLite state file (crypto-agent.sqlite)"),
            ConfigurationKey("finished_retention_hours", "how long finished commands are remembered (72)"),
            ConfigurationKey("exchange", "the exchange connector: paper (the simulator, default) or binance"),
            ConfigurationKey("paper.quote_asset", "paper: the currency sells are paid in (USDT)"),
            ConfigurationKey("paper.fee_rate", "paper: fee as a fraction of the gross, a decimal string (\"0.001\")"),
            ConfigurationKey("paper.balances", "paper: starting balances per asset, a map of decimal strings"),
            ConfigurationKey("paper.prices", "paper: price per asset in the quote asset, a map of decimal strings"),
            ConfigurationKey("paper.random_walk", "paper: prices move by a seeded random walk of at most this fraction per quote"),
            ConfigurationKey("paper.random_seed", "paper: seed of the random walk (42)"),
            ConfigurationKey("paper.latency_ms", "paper: simulated exchange round trip, 0...600000 (0)"),
            ConfigurationKey("limits.allowed_assets", "only these assets may be sold (a list; default: all)"),
            ConfigurationKey("limits.max_quantity", "largest quantity per sell, a map asset → decimal string"),
            ConfigurationKey("limits.max_notional", "largest gross value of one sell in the quote asset, a decimal string"),
            ConfigurationKey("limits.min_price", "lowest price an asset may be sold at, a map asset → decimal string"),
        ] + BinanceConfiguration.keys
}
