import DaemonSupport
import HubAPI
import HubCore
import HubLink
import HubStorage
import NIOCore

extension HubConfiguration {
    /// Whether the listeners serve TLS (`tls.cert_file` and `tls.key_file` are set).
    public var servesTLS: Bool { self.tlsCertificateFile != nil && self.tlsKeyFile != nil }

    /// `plaintext`, `TLS` or `TLS, mutual TLS for agents`, for logs.
    public var listenerSecurity: String {
        guard self.servesTLS else { return "plaintext" }
        return self.grpcClientCAFile == nil ? "TLS" : "TLS, mutual TLS for agents"
    }

    /// The listener rules: certificate and key come together; mutual TLS needs TLS; plaintext
    /// only on a loopback address unless `listeners.allow_plaintext` is true. Only the shape of
    /// the values is checked here; `ListenerTLS.load` reads the files.
    func validateListenerSecurity() throws(ConfigurationError) {
        let files = [
            (self.tlsCertificateFile, "tls.cert_file"), (self.tlsKeyFile, "tls.key_file"), (self.grpcClientCAFile, "grpc.client_ca_file"),
        ]
        for (value, key) in files {
            if let value, value.isEmpty { throw .invalid(key: key, reason: "must not be empty") }
        }
        switch (self.tlsCertificateFile, self.tlsKeyFile) {
        case (.some, nil): throw .invalid(key: "tls.key_file", reason: "must be set when tls.cert_file is")
        case (nil, .some): throw .invalid(key: "tls.cert_file", reason: "must be set when tls.key_file is")
        default: break
        }
        if self.grpcClientCAFile != nil, !self.servesTLS {
            throw .invalid(key: "grpc.client_ca_file", reason: "needs TLS: set tls.cert_file and tls.key_file")
        }
        guard !self.servesTLS, !self.allowPlaintextListeners else { return }
        for (host, key) in [(self.grpcHost, "grpc.host"), (self.httpHost, "http.host")] where !Self.isLoopback(host) {
            throw .invalid(
                key: key,
                reason: "\"\(host)\" is not a loopback address: serve TLS there (tls.cert_file, tls.key_file) "
                    + "or allow plaintext explicitly (listeners.allow_plaintext = true)"
            )
        }
    }

    /// Whether `host` is a loopback address: 127.0.0.0/8, `::1` (also IPv4-mapped 127/8), or
    /// `localhost`. Anything else — `0.0.0.0`, `::`, an empty host, other names — is not.
    public static func isLoopback(_ host: String) -> Bool {
        var host = host.lowercased()
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { return true }
        guard let address = try? SocketAddress(ipAddress: host, port: 0), let text = address.ipAddress else { return false }
        switch address {
        case .v4: return text.hasPrefix("127.")
        case .v6: return text == "::1" || text.hasPrefix("::ffff:127.")
        default: return false
        }
    }
}
