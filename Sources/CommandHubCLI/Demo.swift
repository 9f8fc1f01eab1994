import ArgumentParser
import CommandHub
import CryptoAgent
import Foundation
import Logging
import DaemonSupport
import ServiceLifecycle
import UnixSignals

/// `commandhub demo`: a hub plus local paper-exchange agents in one process, state in SQLite
/// files under `--data-dir` (history and agent identities survive a restart of the demo).
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a hub on 127.0.0.1 with local paper-exchange agents, and print curl commands to try.",
        discussion: """
            Everything runs in this process on loopback; stop it with Ctrl-C. Each start issues fresh \
            credentials, printed once: the operator demo-admin (role admin) with a new password and a \
            bearer token, demo-agent-N for the built-in agents, demo-external for one you start yourself.
            """
    )

    static let operatorName = "demo-admin"

    @Option(help: "Number of paper-exchange agents to start.")
    var agents: Int = 3

    @Option(help: "REST port.")
    var httpPort: Int = 8080

    @Option(help: "gRPC port.")
    var grpcPort: Int = 50051

    @Option(help: "Directory for the hub's and the agents' SQLite files (created if needed).")
    var dataDir: String = "demo-data"

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...1000).contains(self.agents) else { throw ValidationError("--agents must be 1...1000") }
        guard (0...65535).contains(self.httpPort), (0...65535).contains(self.grpcPort) else { throw ValidationError("ports must be 0...65535") }
    }

    func run() async throws {
        let logger = self.logging.bootstrap()
        do {
            try FileManager.default.createDirectory(atPath: self.dataDir, withIntermediateDirectories: true)
        } catch {
            throw Failure.store("cannot create \(self.dataDir): \(error.localizedDescription)")
        }
        var configuration = HubConfiguration()
        configuration.httpPort = self.httpPort
        configuration.grpcPort = self.grpcPort
        configuration.storePath = "\(self.dataDir)/commandhub.sqlite"
        configuration.tokenLifetime = .seconds(12 * 3600)
        let hub: Hub
        do {
            hub = try buildHub(configuration: configuration, logger: logger)
        } catch {
            throw Failure.store("\(error)")
        }

        let venues = ["binance", "kraken", "coinbase"]
        var fleet: [Agent] = []
        for index in 0..<self.agents {
            let labels = ["venue": venues[index % venues.count], "desk": index % 2 == 0 ? "spot" : "otc"]
            var agentConfiguration = AgentConfiguration()
            agentConfiguration.name = String(format: "crypto-bot-%03d", index + 1)
            agentConfiguration.hubAddress = "127.0.0.1:\(self.grpcPort)"
            agentConfiguration.token = try hub.store.rotateCredential(name: String(format: "demo-agent-%d", index + 1))
            agentConfiguration.labels = labels
            agentConfiguration.syncInterval = .seconds(15)
            agentConfiguration.statePath = String(format: "\(self.dataDir)/agent-%03d.sqlite", index + 1)
            do {
                fleet.append(try Agent.open(configuration: agentConfiguration, logger: logger))
            } catch let error as StoreError {
                throw Failure.store(error.description)
            } catch {
                throw Failure.store("\(error)")
            }
        }
        let externalToken = try hub.store.rotateCredential(name: "demo-external")
        let agents = fleet
        let password = PasswordHasher.generate()
        try await hub.addOperator(Self.operatorName, role: .admin, password: password, replacing: true)
        let login = DemoBanner.Login(name: Self.operatorName, password: password, token: try await hub.token(for: Self.operatorName))

        let group = ServiceGroup(services: [hub] + agents.map { $0 as any Service }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let httpPort = try await hub.httpPort
                let banner = DemoBanner.text(
                    httpPort: httpPort, grpcPort: try await hub.grpcPort, agents: agents, externalToken: externalToken,
                    login: login, dataDir: self.dataDir
                )
                FileHandle.standardOutput.write(Data(banner.utf8))
            }
            try await tasks.waitForAll()
        }
    }
}
