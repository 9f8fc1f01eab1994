import CryptoAgent
import Foundation
import Testing
import TestSupport

/// How the agent reads its TLS settings from its file and environment.
@Suite("Agent TLS configuration")
struct AgentConfigurationTLSTests {
    func load(_ json: String, environment: [String: String] = [:]) async throws -> AgentConfiguration {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("agent.json")
            try Data(json.utf8).write(to: URL(fileURLWithPath: path))
            return try await AgentConfiguration.load(path: path, environment: environment)
        }
    }

    @Test func plaintextUnlessTheFileOrTheEnvironmentAsksForTLS() async throws {
        #expect(try await self.load("{}").tls == nil)
        #expect(try await self.load(#"{"tls": false}"#).tls == nil)
        #expect(try await self.load(#"{"tls": true}"#).tls == HubTLSConfiguration())
        #expect(try await self.load("{}", environment: ["CRYPTO_AGENT_TLS": "true"]).tls == HubTLSConfiguration())
        #expect(try await self.load(#"{"tls": true}"#, environment: ["CRYPTO_AGENT_TLS": "false"]).tls == nil)
    }

    @Test func fileSettingsTurnTLSOnAndTheEnvironmentOverridesThem() async throws {
        let file =
            #"{"tls": {"ca_file": "/etc/hub-ca.pem", "cert_file": "/etc/agent.pem", "key_file": "/etc/agent-key.pem", "server_name": "hub.internal"}}"#
        let fromFile = try await self.load(file)
        #expect(
            fromFile.tls
                == HubTLSConfiguration(
                    caFile: "/etc/hub-ca.pem", certificateFile: "/etc/agent.pem", keyFile: "/etc/agent-key.pem", serverName: "hub.internal"
                ))
        let overridden = try await self.load(
            file, environment: ["CRYPTO_AGENT_TLS_CA_FILE": "/run/ca.pem", "CRYPTO_AGENT_TLS_SERVER_NAME": "hub.other"])
        #expect(overridden.tls?.caFile == "/run/ca.pem")
        #expect(overridden.tls?.serverName == "hub.other")
        #expect(overridden.tls?.certificateFile == "/etc/agent.pem")
        let fromEnvironment = try await self.load("{}", environment: ["CRYPTO_AGENT_TLS_CA_FILE": "/run/ca.pem"])
        #expect(fromEnvironment.tls == HubTLSConfiguration(caFile: "/run/ca.pem"))
    }

    @Test func inconsistentSettingsAreErrorsNamingTheKey() async throws {
        let cases: [(String, [String: String], String)] = [
            (#"{"tls": {"cert_file": "/etc/agent.pem"}}"#, [:], "tls.key_file"),
            (#"{"tls": {"key_file": "/etc/agent-key.pem"}}"#, [:], "tls.cert_file"),
            (#"{"tls": {"server_name": "10.0.0.1"}}"#, [:], "tls.server_name"),
            (#"{"tls": {"ca_file": ""}}"#, [:], "tls.ca_file"),
            ("{}", ["CRYPTO_AGENT_TLS": "maybe"], "CRYPTO_AGENT_TLS"),
            ("{}", ["CRYPTO_AGENT_TLS": "false", "CRYPTO_AGENT_TLS_CA_FILE": "/run/ca.pem"], "CRYPTO_AGENT_TLS_CA_FILE"),
        ]
        for (json, environment, key) in cases {
            let error = await #expect(throws: AgentError.self) { try await self.load(json, environment: environment) }
            #expect(error?.description.contains(key) == true, "\(json) \(environment): \(String(describing: error))")
        }
    }

    @Test func missingFilesAreNamedWhenTheLinkIsPrepared() throws {
        #expect(throws: Never.self) { try HubLinkSecurity(nil) }
        #expect(throws: Never.self) { try HubLinkSecurity(HubTLSConfiguration()) }
        let error = #expect(throws: AgentError.self) { try HubLinkSecurity(HubTLSConfiguration(caFile: "/nonexistent/ca.pem")) }
        #expect(error == .configuration("tls.ca_file: cannot read /nonexistent/ca.pem: no such file"))
    }
}
