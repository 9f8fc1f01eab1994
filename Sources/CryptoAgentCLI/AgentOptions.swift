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

    /// The configuration from file, environment and these flags, validated.
    func load() throws -> AgentConfiguration {
        var environment = ProcessInfo.processInfo.environment
        if let hub { environment["CRYPTO_AGENT_HUB"] = hub }
        if let token { environment["CRYPTO_AGENT_TOKEN"] = token }
        if let agentID { environment["CRYPTO_AGENT_AGENT_ID"] = agentID }
        if let name { environment["CRYPTO_AGENT_NAME"] = name }
        do {
            return try AgentConfiguration.load(path: self.config, environment: environment)
        } catch {
            throw Failure.configuration(error.description)
        }
    }
}
