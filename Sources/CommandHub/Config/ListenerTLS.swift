import DaemonSupport
import Foundation
import HubAPI
import HubCore
import HubLink
import HubStorage
import Logging
import NIOSSL

/// The listeners' TLS material, read and checked once at start-up from the files the
/// configuration names: the REST listener's `TLSConfiguration` and the gRPC listener's
/// `NIOSSLContext` (with client-certificate verification when `grpc.client_ca_file` is set).
///
/// A missing, unreadable or malformed file, or a key that does not belong to the certificate,
/// is a `ConfigurationError` naming the key and the file; nothing is served then. The files are
/// not read again while the hub runs: a renewed certificate takes a restart.
struct ListenerTLS: Sendable {
    /// For Hummingbird's TLS server: HTTP/1.1 over TLS, no client certificate asked for.
    let rest: TLSConfiguration
    /// For the agents' listener: ALPN `h2`; with mutual TLS, a client certificate chaining to
    /// the configured CA is required (no hostname check: agents are not named by address).
    let grpc: NIOSSLContext
    /// Whether the gRPC listener requires client certificates.
    let mutual: Bool

    /// Loads the material, or returns nil when the configuration serves plaintext.
    static func load(_ configuration: HubConfiguration, logger: Logger) throws(ConfigurationError) -> ListenerTLS? {
        guard let certificateFile = configuration.tlsCertificateFile, let keyFile = configuration.tlsKeyFile else { return nil }
        let chain = try Self.certificates(key: "tls.cert_file", path: certificateFile)
        let privateKey: NIOSSLPrivateKey
        do {
            privateKey = try NIOSSLPrivateKey(bytes: Self.read(key: "tls.key_file", path: keyFile), format: .pem)
        } catch let error as ConfigurationError {
            throw error
        } catch {
            throw .invalid(key: "tls.key_file", reason: "\(keyFile) holds no usable PEM private key (\(error))")
        }
        if let leaf = chain.first, Double(leaf.notValidAfter) < Date().timeIntervalSince1970 {
            logger.warning("the listeners' certificate has expired", metadata: ["file": "\(certificateFile)", "certificate": "\(leaf)"])
        }

        var rest = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey)
        )
        rest.minimumTLSVersion = .tlsv12
        rest.applicationProtocols = ["http/1.1"]

        var grpc = rest
        grpc.applicationProtocols = ["h2"]
        if let caFile = configuration.grpcClientCAFile {
            grpc.trustRoots = .certificates(try Self.certificates(key: "grpc.client_ca_file", path: caFile))
            grpc.certificateVerification = .noHostnameVerification
        }
        do {
            // Building a context checks that the key belongs to the certificate; Hummingbird
            // builds its own from `rest`, which can then no longer fail.
            _ = try NIOSSLContext(configuration: rest)
            return ListenerTLS(rest: rest, grpc: try NIOSSLContext(configuration: grpc), mutual: configuration.grpcClientCAFile != nil)
        } catch {
            throw .invalid(key: "tls.key_file", reason: "\(keyFile) cannot be used with the certificate in \(certificateFile) (\(error))")
        }
    }

    /// The PEM certificates in `path`; at least one.
    private static func certificates(key: String, path: String) throws(ConfigurationError) -> [NIOSSLCertificate] {
        do { return try PEMFile.certificates(path) } catch { throw .invalid(key: key, reason: error.reason) }
    }

    private static func read(key: String, path: String) throws(ConfigurationError) -> [UInt8] {
        do { return try PEMFile.read(path) } catch { throw .invalid(key: key, reason: error.reason) }
    }
}
