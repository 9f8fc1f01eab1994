import ArgumentParser
import CryptoAgent
import Foundation
import Logging
import DaemonSupport
import ServiceLifecycle
import UnixSignals

/// `crypto-agent run`: connect to the hub and serve its commands until SIGTERM.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Connect to the hub and execute its commands until SIGTERM/SIGINT.",
        discussion: """
            Reconnects after any disconnect with exponential backoff and full jitter. Exits non-zero \
            if the hub refuses the token. Configuration comes from the flags, then CRYPTO_AGENT_* \
            environment variables, then --config (JSON), then the defaults, each overriding the ones \
            after it. Keys (environment variable in parentheses):
            \(AgentConfiguration.keys.helpText(environmentPrefix: AgentConfiguration.environmentPrefix))
            """
    )

    @OptionGroup var options: AgentOptions

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let level = Logger.Level(rawValue: self.logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "crypto-agent")
        let configuration = try await self.options.load()
        let security: HubLinkSecurity
        do {
            security = try HubLinkSecurity(configuration.tls)
        } catch {
            throw Failure.configuration(error.description)
        }
        let agent: Agent
        do {
            agent = try await Agent.open(configuration: configuration, logger: logger)
        } catch let error as StoreError {
            throw Failure.store(error.description)
        } catch let error as AgentError {
            throw Failure.exchange(error)
        } catch {
            throw Failure.store("\(error)")
        }
        logger.info(
            "agent starting",
            metadata: [
                "agent_id": "\(agent.agentID.uuidString.lowercased())", "state": "\(configuration.statePath)",
                "hub": "\(configuration.hubAddresses.joined(separator: ","))",
                "security": "\(security.summary)", "exchange": "\(agent.exchange.name)",
            ])
        let group = ServiceGroup(services: [agent], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch let error as AgentError {
            logger.critical("\(error.description)")
            throw ExitCode(2)
        }
    }
}
