import DaemonSupport
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

extension HubTLSConfiguration {
    /// The `tls` keys: `tls` true or false, and `tls.ca_file`, `tls.cert_file`, `tls.key_file`,
    /// `tls.server_name`, each of which turns TLS on (in the file they form the `tls` object).
    /// `tls` false from the environment turns TLS off and may not be combined with a file or
    /// name set in the environment; false in the file yields to files set in the environment.
    static func read(_ values: ConfigValues) throws(ConfigurationError) -> HubTLSConfiguration? {
        let flag = try values.bool("tls")
        let fields: [(String, WritableKeyPath<HubTLSConfiguration, String?>)] = [
            ("tls.ca_file", \.caFile), ("tls.cert_file", \.certificateFile), ("tls.key_file", \.keyFile),
            ("tls.server_name", \.serverName),
        ]
        var settings = HubTLSConfiguration()
        var anySet = false
        for (key, field) in fields {
            guard let value = try values.string(key) else { continue }
            let fromEnvironment = values.sources.name(of: key) != key
            if flag == false {
                // Off wins over the file's settings; an explicit setting in the environment contradicts it.
                guard fromEnvironment else { continue }
                if values.sources.name(of: "tls") != "tls" {
                    throw .invalid(key: values.sources.name(of: key), reason: "is set but \(values.sources.name(of: "tls")) is false")
                }
            }
            settings[keyPath: field] = value
            anySet = true
        }
        return flag == true || anySet ? settings : nil
    }
}
