import DaemonSupport
import Foundation
import GRPCNIOTransportHTTP2
import NIOSSL

/// The link's transport security, built from `AgentConfiguration.tls` with its files read and
/// checked: plaintext, or TLS with full verification of the hub's certificate (chain to the CA
/// file or the system's roots, and the hub's name or IP address) and, for mutual TLS, the
/// agent's certificate and key.
///
/// A missing, unreadable or malformed file is `AgentError.configuration` naming the key and the
/// file; `crypto-agent run` checks this before it starts, so a bad path never becomes an
/// endless reconnect loop.
public struct HubLinkSecurity: Sendable {
    let transportSecurity: HTTP2ClientTransport.Posix.TransportSecurity
    /// Overrides the `:authority` (hence SNI and the name checked in the hub's certificate).
    let serverName: String?
    /// `plaintext`, `TLS` or `mutual TLS`, for logs.
    public let summary: String

    public init(_ tls: HubTLSConfiguration?) throws(AgentError) {
        guard let tls else {
            self.transportSecurity = .plaintext
            self.serverName = nil
            self.summary = "plaintext"
            return
        }
        var configuration = HTTP2ClientTransport.Posix.TransportSecurity.TLS.defaults
        if let caFile = tls.caFile {
            configuration.trustRoots = .certificates([.bytes(try Self.certificates(key: "tls.ca_file", path: caFile), format: .pem)])
        }
        if let certificateFile = tls.certificateFile, let keyFile = tls.keyFile {
            configuration.certificateChain = [.bytes(try Self.certificates(key: "tls.cert_file", path: certificateFile), format: .pem)]
            let key = try Self.read(key: "tls.key_file", path: keyFile)
            do {
                _ = try NIOSSLPrivateKey(bytes: key, format: .pem)
            } catch {
                throw .configuration("tls.key_file: \(keyFile) holds no usable PEM private key (\(error))")
            }
            configuration.privateKey = .bytes(key, format: .pem)
        }
        self.transportSecurity = .tls(configuration)
        self.serverName = tls.serverName
        self.summary = tls.certificateFile == nil ? "TLS" : "mutual TLS"
    }

    /// The file's bytes, once they parsed as at least one PEM certificate.
    private static func certificates(key: String, path: String) throws(AgentError) -> [UInt8] {
        let bytes = try Self.read(key: key, path: path)
        do { _ = try PEMFile.certificates(bytes, from: path) } catch { throw .configuration("\(key): \(error.reason)") }
        return bytes
    }

    private static func read(key: String, path: String) throws(AgentError) -> [UInt8] {
        do { return try PEMFile.read(path) } catch { throw .configuration("\(key): \(error.reason)") }
    }
}
