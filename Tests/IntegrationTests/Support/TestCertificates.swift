import Crypto
import CryptoAgent
import Foundation
import GRPCNIOTransportHTTP2
import SwiftASN1
import TestSupport
import X509

/// Certificates made at test time (P-256 keys, swift-certificates), written as PEM files into a
/// test's temporary directory — no key material is ever committed, no `openssl` is run.
///
/// - `caFile`: the CA the hub and agents trust.
/// - `serverCertificateFile`/`serverKeyFile`: the hub's, signed by the CA, for `127.0.0.1`,
///   `::1` and `localhost` (IP and DNS subject alternative names).
/// - `namedServerCertificateFile`/`namedServerKeyFile`: another for the hub, signed by the CA,
///   naming only `hubName` (no IP address).
/// - `clientCertificateFile`/`clientKeyFile`: an agent's, signed by the CA.
/// - `untrustedClientCertificateFile`/`untrustedClientKeyFile`: an agent's, signed by a
///   different CA that nobody trusts.
struct TestCertificates: Sendable {
    static let hubName = "hub.commandhub.test"

    let caFile: String
    let serverCertificateFile: String
    let serverKeyFile: String
    let namedServerCertificateFile: String
    let namedServerKeyFile: String
    let clientCertificateFile: String
    let clientKeyFile: String
    let untrustedClientCertificateFile: String
    let untrustedClientKeyFile: String

    /// Makes a fresh set in `directory`.
    static func make(in directory: TemporaryDirectory) throws -> TestCertificates {
        let ca = try Authority(name: "CommandHub Test CA")
        let stranger = try Authority(name: "Untrusted Test CA")
        let server = try ca.issue(
            commonName: "commandhub-test-hub", usage: .serverAuth,
            alternativeNames: [
                .dnsName("localhost"),
                .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
                .ipAddress(ASN1OctetString(contentBytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])),
            ]
        )
        let named = try ca.issue(commonName: Self.hubName, usage: .serverAuth, alternativeNames: [.dnsName(Self.hubName)])
        let client = try ca.issue(commonName: "agent-trusted", usage: .clientAuth)
        let untrusted = try stranger.issue(commonName: "agent-untrusted", usage: .clientAuth)

        func write(_ name: String, _ text: String) throws -> String {
            let path = directory.path(name)
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        return TestCertificates(
            caFile: try write("ca.pem", ca.certificatePEM),
            serverCertificateFile: try write("hub.pem", server.certificate),
            serverKeyFile: try write("hub-key.pem", server.key),
            namedServerCertificateFile: try write("named-hub.pem", named.certificate),
            namedServerKeyFile: try write("named-hub-key.pem", named.key),
            clientCertificateFile: try write("agent.pem", client.certificate),
            clientKeyFile: try write("agent-key.pem", client.key),
            untrustedClientCertificateFile: try write("stranger.pem", untrusted.certificate),
            untrustedClientKeyFile: try write("stranger-key.pem", untrusted.key)
        )
    }

    /// A self-signed CA that issues leaf certificates.
    private struct Authority {
        let key = P256.Signing.PrivateKey()
        let name: DistinguishedName
        let certificate: Certificate

        init(name commonName: String) throws {
            self.name = try DistinguishedName { CommonName(commonName) }
            let key = self.key
            self.certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400),
                issuer: self.name, subject: self.name, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                    Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                    SubjectKeyIdentifier(hash: .init(key.publicKey))
                },
                issuerPrivateKey: .init(key)
            )
        }

        var certificatePEM: String {
            get throws { try self.certificate.serializeAsPEM().pemString }
        }

        /// A leaf certificate and its key, both PEM.
        func issue(
            commonName: String, usage: ExtendedKeyUsage.Usage, alternativeNames: [GeneralName] = []
        ) throws -> (certificate: String, key: String) {
            let key = P256.Signing.PrivateKey()
            let keyUsage = try ExtendedKeyUsage([usage])
            let authority = AuthorityKeyIdentifier(keyIdentifier: try self.certificate.extensions.subjectKeyIdentifier?.keyIdentifier)
            let leaf = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
                notValidBefore: Date().addingTimeInterval(-3600), notValidAfter: Date().addingTimeInterval(86_400),
                issuer: self.name, subject: try DistinguishedName { CommonName(commonName) },
                signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    keyUsage
                    authority
                    if !alternativeNames.isEmpty { SubjectAlternativeNames(alternativeNames) }
                },
                issuerPrivateKey: .init(self.key)
            )
            return (try leaf.serializeAsPEM().pemString, key.pemRepresentation)
        }
    }
}

extension TestCertificates {
    /// Which certificate an agent presents to the hub.
    enum ClientIdentity {
        case none, trusted, untrusted
    }

    /// An agent's TLS settings: trusting the test CA, presenting `identity`'s certificate.
    func agentTLS(_ identity: ClientIdentity = .none) -> HubTLSConfiguration {
        switch identity {
        case .none: HubTLSConfiguration(caFile: self.caFile)
        case .trusted: HubTLSConfiguration(caFile: self.caFile, certificateFile: self.clientCertificateFile, keyFile: self.clientKeyFile)
        case .untrusted:
            HubTLSConfiguration(
                caFile: self.caFile, certificateFile: self.untrustedClientCertificateFile, keyFile: self.untrustedClientKeyFile
            )
        }
    }

    /// The same as grpc-swift transport security, for a `RawAgent`.
    func rawAgentSecurity(_ identity: ClientIdentity = .none) -> HTTP2ClientTransport.Posix.TransportSecurity {
        let settings = self.agentTLS(identity)
        return .tls { tls in
            tls.trustRoots = .certificates([.file(path: self.caFile, format: .pem)])
            if let certificate = settings.certificateFile, let key = settings.keyFile {
                tls.certificateChain = [.file(path: certificate, format: .pem)]
                tls.privateKey = .file(path: key, format: .pem)
            }
        }
    }
}
