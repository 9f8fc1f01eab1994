import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import DaemonSupport
import Foundation
import Testing
import TestSupport

/// What the hub and the agent do with TLS settings they cannot use: stop at start-up with one
/// line naming the key (and the file), before anything is bound or written.
@Suite("TLS configuration", .timeLimit(.minutes(2)))
struct TLSConfigurationTests {
    @Test func plaintextOnANonLoopbackAddressIsRefusedNamingTheKey() async throws {
        var configuration = HubConfiguration()
        configuration.grpcHost = "0.0.0.0"
        #expect(throws: ConfigurationError.self) { try configuration.validate() }
        #expect(Self.key(of: { try configuration.validate() }) == "grpc.host")

        configuration.grpcHost = "127.0.0.1"
        configuration.httpHost = "::"
        #expect(Self.key(of: { try configuration.validate() }) == "http.host")

        configuration.allowPlaintextListeners = true
        try configuration.validate()

        configuration.allowPlaintextListeners = false
        configuration.tlsCertificateFile = "/etc/commandhub/hub.pem"
        configuration.tlsKeyFile = "/etc/commandhub/hub-key.pem"
        try configuration.validate()

        // From the environment, as `commandhub serve` reads it.
        let error = await #expect(throws: ConfigurationError.self) {
            try await HubConfiguration.load(file: nil, environment: ["COMMANDHUB_GRPC_HOST": "0.0.0.0"])
        }
        let text = error?.description ?? ""
        #expect(text.contains("grpc.host") && text.contains("listeners.allow_plaintext") && text.contains("tls.cert_file"), "\(text)")
        let allowed = try await HubConfiguration.load(
            file: nil, environment: ["COMMANDHUB_GRPC_HOST": "0.0.0.0", "COMMANDHUB_LISTENERS_ALLOW_PLAINTEXT": "true"]
        )
        #expect(allowed.allowPlaintextListeners)
    }

    @Test func tlsKeysComeTogetherAndMutualTLSNeedsTLS() throws {
        var configuration = HubConfiguration()
        configuration.tlsCertificateFile = "hub.pem"
        #expect(Self.key(of: { try configuration.validate() }) == "tls.key_file")
        configuration.tlsCertificateFile = nil
        configuration.tlsKeyFile = "hub-key.pem"
        #expect(Self.key(of: { try configuration.validate() }) == "tls.cert_file")
        configuration.tlsKeyFile = nil
        configuration.grpcClientCAFile = "ca.pem"
        #expect(Self.key(of: { try configuration.validate() }) == "grpc.client_ca_file")
    }

    @Test func unusableTLSFilesStopTheHubAtStartUpNamingKeyAndFile() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            let missing = directory.path("missing.pem")
            let garbage = directory.path("garbage.pem")
            try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: garbage))
            let cases: [(String, (inout HubConfiguration) -> Void, String)] = [
                ("tls.cert_file", { $0.tlsCertificateFile = missing }, missing),
                ("tls.cert_file", { $0.tlsCertificateFile = garbage }, garbage),
                ("tls.key_file", { $0.tlsKeyFile = missing }, missing),
                ("tls.key_file", { $0.tlsKeyFile = certificates.serverCertificateFile }, certificates.serverCertificateFile),
                // A key that is not the certificate's.
                ("tls.key_file", { $0.tlsKeyFile = certificates.clientKeyFile }, certificates.clientKeyFile),
                ("grpc.client_ca_file", { $0.grpcClientCAFile = missing }, missing),
                ("grpc.client_ca_file", { $0.grpcClientCAFile = garbage }, garbage),
            ]
            for (key, change, file) in cases {
                var configuration = HubConfiguration()
                configuration.storePath = directory.path("hub.sqlite")
                configuration.tlsCertificateFile = certificates.serverCertificateFile
                configuration.tlsKeyFile = certificates.serverKeyFile
                change(&configuration)
                do {
                    _ = try await buildHub(configuration: configuration)
                    Issue.record("\(key) = \(file) was accepted")
                } catch let error as ConfigurationError {
                    guard case .invalid(let named, let reason) = error else { Issue.record("\(error)"); continue }
                    #expect(named == key, "\(error)")
                    #expect(reason.contains(file), "\(error)")
                }
            }
            let written = FileManager.default.fileExists(atPath: directory.path("hub.sqlite"))
            #expect(!written, "nothing is written before the TLS files are checked")
        }
    }

    @Test func daemonsExitWithStatus78NamingAMissingCertificateFile() async throws {
        try await TemporaryDirectory.with { directory in
            let missing = directory.path("missing.pem")
            let hub = try ChildProcess(
                executable: "commandhub",
                arguments: ["serve", "--store", directory.path("hub.sqlite"), "--grpc-port", "0", "--http-port", "0"],
                environment: ["COMMANDHUB_TLS_CERT_FILE": missing, "COMMANDHUB_TLS_KEY_FILE": missing]
            )
            #expect(try await hub.exitStatus() == 78)
            try await hub.waitForLine(containing: "commandhub: configuration: tls.cert_file cannot read \(missing): no such file")

            let agent = try ChildProcess(
                executable: "crypto-agent", arguments: ["run", "--hub", "127.0.0.1:1", "--tls-ca-file", missing],
                environment: ["CRYPTO_AGENT_STATE_PATH": directory.path("agent.sqlite")]
            )
            #expect(try await agent.exitStatus() == 78)
            try await agent.waitForLine(containing: "crypto-agent: configuration: tls.ca_file: cannot read \(missing): no such file")
        }
    }

    /// The key a `ConfigurationError.invalid` names, or nil.
    static func key(of body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as ConfigurationError {
            if case .invalid(let key, _) = error { return key }
            return nil
        } catch {
            return nil
        }
    }
}
