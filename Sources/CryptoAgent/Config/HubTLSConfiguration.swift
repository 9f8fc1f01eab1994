import NIOCore

/// How the agent secures its link to the hub: TLS with the hub's certificate checked against
/// `caFile` (or the system's trust roots) and its name, plus — for a hub that requires mutual
/// TLS — the agent's own certificate. `AgentConfiguration.tls == nil` is plaintext.
///
/// Only paths are kept here; `HubLinkSecurity` reads the files when the link starts.
public struct HubTLSConfiguration: Sendable, Equatable {
    /// CA certificates (PEM) the hub's certificate must chain to; nil: the system's trust roots.
    public var caFile: String?
    /// The agent's certificate chain and its private key (PEM), for mutual TLS; both or neither.
    public var certificateFile: String?
    public var keyFile: String?
    /// The DNS name the hub's certificate must carry, also sent as SNI; nil: the host of `hub`.
    /// (swift-nio-ssl also accepts a certificate naming the IP address connected to.)
    public var serverName: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, serverName: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.serverName = serverName
    }

    /// Checks the shape of the values; the message names the key.
    public func validate() throws(AgentError) {
        for (value, key) in [(self.caFile, "tls.ca_file"), (self.certificateFile, "tls.cert_file"), (self.keyFile, "tls.key_file")] {
            if let value, value.isEmpty { throw .configuration("\(key) must not be empty") }
        }
        switch (self.certificateFile, self.keyFile) {
        case (.some, nil): throw .configuration("tls.key_file must be set when tls.cert_file is")
        case (nil, .some): throw .configuration("tls.cert_file must be set when tls.key_file is")
        default: break
        }
        if let name = self.serverName {
            guard !name.isEmpty else { throw .configuration("tls.server_name must not be empty") }
            // TLS forbids IP addresses in SNI.
            if name.hasPrefix("[") || (try? SocketAddress(ipAddress: name, port: 0)) != nil {
                throw .configuration(
                    "tls.server_name must be a DNS name, not an IP address (\(name)); leave it unset to check the hub's IP address"
                )
            }
        }
    }
}

extension AgentConfiguration {
    /// The environment variables for TLS, documented with the others.
    static let tlsEnvironmentKeys: [(key: String, help: String)] = [
        ("CRYPTO_AGENT_TLS", "true: connect with TLS (system trust roots unless a CA file is set); false: plaintext"),
        ("CRYPTO_AGENT_TLS_CA_FILE", "CA certificates (PEM) the hub's certificate must chain to; enables TLS"),
        ("CRYPTO_AGENT_TLS_CERT_FILE", "the agent's client certificate (PEM) for mutual TLS; enables TLS"),
        ("CRYPTO_AGENT_TLS_KEY_FILE", "the private key (PEM) of the client certificate"),
        ("CRYPTO_AGENT_TLS_SERVER_NAME", "DNS name expected in the hub's certificate (and SNI), if not the hub's host"),
    ]

    /// Applies the file's `tls`: `true`/`false`, or an object (`ca_file`, `cert_file`, `key_file`,
    /// `server_name`) that turns TLS on.
    mutating func apply(tls file: AgentConfigurationFile.TLS) {
        switch file {
        case .enabled(true): self.tls = self.tls ?? HubTLSConfiguration()
        case .enabled(false): self.tls = nil
        case .settings(let settings): self.tls = settings
        }
    }

    /// Applies the `CRYPTO_AGENT_TLS*` variables: each file or name turns TLS on;
    /// `CRYPTO_AGENT_TLS=false` turns it off and may not be combined with them.
    mutating func apply(tlsEnvironment environment: [String: String]) throws(AgentError) {
        var disabled = false
        if let flag = environment["CRYPTO_AGENT_TLS"] {
            switch flag.lowercased() {
            case "true", "1", "yes": self.tls = self.tls ?? HubTLSConfiguration()
            case "false", "0", "no": self.tls = nil; disabled = true
            default: throw .configuration("CRYPTO_AGENT_TLS must be true or false, got \"\(flag.prefix(32))\"")
            }
        }
        let fields: [(String, WritableKeyPath<HubTLSConfiguration, String?>)] = [
            ("CRYPTO_AGENT_TLS_CA_FILE", \.caFile), ("CRYPTO_AGENT_TLS_CERT_FILE", \.certificateFile),
            ("CRYPTO_AGENT_TLS_KEY_FILE", \.keyFile), ("CRYPTO_AGENT_TLS_SERVER_NAME", \.serverName),
        ]
        for (key, field) in fields {
            guard let value = environment[key] else { continue }
            guard !disabled else { throw .configuration("\(key) is set but CRYPTO_AGENT_TLS is false") }
            var tls = self.tls ?? HubTLSConfiguration()
            tls[keyPath: field] = value
            self.tls = tls
        }
    }
}
