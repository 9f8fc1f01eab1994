import ArgumentParser
import CryptoAgent
import Foundation

/// The options every agent subcommand shares: where the config is and what overrides it.
struct AgentOptions: ParsableArguments {
    @Option(help: "JSON config file (see Examples/agent.json).")
    var config: String?

    @Option(help: "Hub gRPC address, host:port (overrides the config and CRYPTO_AGENT_HUB).")
    var hub: String?

    @Option(help: "Bearer token for the hub (overrides the config and CRYPTO_AGENT_TOKEN).")
    var token: String?

    @Option(help: "Agent id, a UUID (overrides the config and CRYPTO_AGENT_AGENT_ID).")
    var agentID: String?

    @Option(help: "Display name (overrides the config and CRYPTO_AGENT_NAME).")
    var name: String?

    @Flag(help: "Connect to the hub with TLS, trusting the system's roots unless --tls-ca-file is given.")
    var tls = false

    @Option(help: "CA certificates (PEM) the hub's certificate must chain to; implies --tls.")
    var tlsCaFile: String?

    @Option(help: "The agent's client certificate (PEM), for a hub that requires mutual TLS; implies --tls.")
    var tlsCertFile: String?

    @Option(help: "The private key (PEM) of --tls-cert-file.")
    var tlsKeyFile: String?

    @Option(help: "DNS name expected in the hub's certificate (and sent as SNI) when it is not the hub's host.")
    var tlsServerName: String?

    /// The configuration from file, environment and these flags, validated.
    func load() throws -> AgentConfiguration {
        var environment = ProcessInfo.processInfo.environment
        if let hub { environment["CRYPTO_AGENT_HUB"] = hub }
        if let token { environment["CRYPTO_AGENT_TOKEN"] = token }
        if let agentID { environment["CRYPTO_AGENT_AGENT_ID"] = agentID }
        if let name { environment["CRYPTO_AGENT_NAME"] = name }
        if self.tls { environment["CRYPTO_AGENT_TLS"] = "true" }
        if let tlsCaFile { environment["CRYPTO_AGENT_TLS_CA_FILE"] = tlsCaFile }
        if let tlsCertFile { environment["CRYPTO_AGENT_TLS_CERT_FILE"] = tlsCertFile }
        if let tlsKeyFile { environment["CRYPTO_AGENT_TLS_KEY_FILE"] = tlsKeyFile }
        if let tlsServerName { environment["CRYPTO_AGENT_TLS_SERVER_NAME"] = tlsServerName }
        do {
            return try AgentConfiguration.load(path: self.config, environment: environment)
        } catch {
            throw Failure.configuration(error.description)
        }
    }
}
