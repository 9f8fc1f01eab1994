import ArgumentParser
import CommandHub
import CryptoAgent
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// `commandhub demo`: a hub plus local paper-exchange agents in one process.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a hub on 127.0.0.1 with local paper-exchange agents, and print curl commands to try.",
        discussion: "Everything runs in this process on loopback; stop it with Ctrl-C."
    )

    @Option(help: "Number of paper-exchange agents to start.")
    var agents: Int = 3

    @Option(help: "REST port.")
    var httpPort: Int = 8080

    @Option(help: "gRPC port.")
    var grpcPort: Int = 50051

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...1000).contains(self.agents) else { throw ValidationError("--agents must be 1...1000") }
        guard (0...65535).contains(self.httpPort), (0...65535).contains(self.grpcPort) else { throw ValidationError("ports must be 0...65535") }
    }

    func run() async throws {
        let logger = self.logging.bootstrap()
        var configuration = HubConfiguration()
        configuration.httpPort = self.httpPort
        configuration.grpcPort = self.grpcPort
        let token = DemoSecrets.token()
        configuration.agentTokens = [token]
        let hub = try buildHub(configuration: configuration, logger: logger)

        let exchanges = ["binance", "kraken", "coinbase"]
        let fleet: [Agent] = (0..<self.agents).map { index in
            var agentConfiguration = AgentConfiguration()
            agentConfiguration.agentID = UUID()
            agentConfiguration.name = String(format: "crypto-bot-%03d", index + 1)
            agentConfiguration.hubAddress = "127.0.0.1:\(self.grpcPort)"
            agentConfiguration.token = token
            agentConfiguration.labels = ["venue": exchanges[index % exchanges.count], "desk": index % 2 == 0 ? "spot" : "otc"]
            agentConfiguration.syncInterval = .seconds(15)
            return Agent(
                configuration: agentConfiguration, agentID: agentConfiguration.agentID ?? UUID(),
                exchange: PaperExchange(configuration: agentConfiguration.paper),
                finished: InMemoryFinishedCommands(), logger: logger
            )
        }
        let group = ServiceGroup(services: [hub] + fleet.map { $0 as any Service }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let httpPort = try await hub.httpPort
                let banner = DemoSecrets.banner(httpPort: httpPort, grpcPort: try await hub.grpcPort, agents: fleet, token: token)
                FileHandle.standardOutput.write(Data(banner.utf8))
            }
            try await tasks.waitForAll()
        }
    }
}
