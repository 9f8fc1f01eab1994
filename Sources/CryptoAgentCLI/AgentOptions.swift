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

    /// The configuration from these flags, the environment and the file, validated.
    func load() async throws -> AgentConfiguration {
        var overrides: [String: String] = [:]
        if let hub { overrides["hubs"] = hub }  // the flag wins over a file's list too
        if let token { overrides["token"] = token }
        if let agentID { overrides["agent_id"] = agentID }
        if let name { overrides["name"] = name }
        if self.tls { overrides["tls"] = "true" }
        if let tlsCaFile { overrides["tls.ca_file"] = tlsCaFile }
        if let tlsCertFile { overrides["tls.cert_file"] = tlsCertFile }
        if let tlsKeyFile { overrides["tls.key_file"] = tlsKeyFile }
        if let tlsServerName { overrides["tls.server_name"] = tlsServerName }
        do {
            return try await AgentConfiguration.load(
                path: self.config, environment: ProcessInfo.processInfo.environment, overrides: overrides
            )
        } catch {
            throw Failure.configuration(error.description)
        }
    }
}
