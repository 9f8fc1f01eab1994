import ArgumentParser
import CommandHub
import HubCore
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import Logging
import NIOCore
import NIOPosix
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

    @Option(help: "REST port (0 picks a free one).")
    var httpPort: Int = 8080

    @Option(help: "gRPC port (0 picks a free one).")
    var grpcPort: Int = 50051

    @Option(help: "Directory for the hub's and the agents' SQLite files (created if needed).")
    var dataDir: String = "demo-data"

    @Option(help: "Largest ?timeout= (seconds) a command may ask for (commands.max_timeout_seconds).")
    var maxTimeout: Double = 300

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard (1...1000).contains(self.agents) else { throw ValidationError("--agents must be 1...1000") }
        guard (0...65535).contains(self.httpPort), (0...65535).contains(self.grpcPort) else {
            throw ValidationError("ports must be 0...65535")
        }
        guard self.maxTimeout >= 1, self.maxTimeout <= 86_400 else { throw ValidationError("--max-timeout must be 1...86400 seconds") }
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
        // The in-process agents need the port before the hub binds it.
        let grpcPort = self.grpcPort == 0 ? try await FreePort.pick() : self.grpcPort
        configuration.grpcPort = grpcPort
        configuration.storePath = "\(self.dataDir)/commandhub.sqlite"
        configuration.tokenLifetime = .seconds(12 * 3600)
        configuration.maxCommandTimeout = .milliseconds(Int64(self.maxTimeout * 1000))
        configuration.defaultCommandTimeout = min(configuration.defaultCommandTimeout, configuration.maxCommandTimeout)
        let hub: Hub
        do {
            hub = try await buildHub(configuration: configuration, logger: logger)
        } catch {
            throw Failure.store("\(error)")
        }

        let venues = ["binance", "kraken", "coinbase"]
        var fleet: [Agent] = []
        for index in 0..<self.agents {
            let labels = ["venue": venues[index % venues.count], "desk": index % 2 == 0 ? "spot" : "otc"]
            var agentConfiguration = AgentConfiguration()
            agentConfiguration.name = String(format: "crypto-bot-%03d", index + 1)
            agentConfiguration.hubAddress = "127.0.0.1:\(grpcPort)"
            agentConfiguration.token = try await hub.store.rotateCredential(name: String(format: "demo-agent-%d", index + 1))
            agentConfiguration.labels = labels
            agentConfiguration.syncInterval = .seconds(15)
            agentConfiguration.statePath = String(format: "\(self.dataDir)/agent-%03d.sqlite", index + 1)
            do {
                fleet.append(try await Agent.open(configuration: agentConfiguration, logger: logger))
            } catch let error as StoreError {
                throw Failure.store(error.description)
            } catch {
                throw Failure.store("\(error)")
            }
        }
        let externalToken = try await hub.store.rotateCredential(name: "demo-external")
        let agents = fleet
        let password = PasswordHasher.generate()
        try await hub.addOperator(Self.operatorName, role: .admin, password: password, replacing: true)
        let login = DemoBanner.Login(name: Self.operatorName, password: password, token: try await hub.token(for: Self.operatorName))

        // An agent that stops (its credential revoked over the API, say) is logged; the hub and
        // the other agents go on.
        let services =
            [ServiceGroupConfiguration.ServiceConfiguration(service: hub)]
            + agents.map { agent in
                .init(service: DemoAgentService(agent: agent, logger: logger), successTerminationBehavior: .ignore)
            }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = configuration.shutdownGracePeriod * 2
        let group = ServiceGroup(configuration: groupConfiguration)
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

/// One of the demo's agents as a service that never takes the demo down.
struct DemoAgentService: Service {
    let agent: Agent
    let logger: Logger

    func run() async {
        do {
            try await self.agent.run()
        } catch {
            self.logger.error("demo agent stopped", metadata: ["name": "\(self.agent.configuration.name)", "error": "\(error)"])
        }
    }
}

/// A port no listener uses right now on 127.0.0.1, found by binding port 0 and closing again.
enum FreePort {
    static func pick() async throws -> Int {
        let socket = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = socket.localAddress?.port
        try await socket.close()
        guard let port else { throw Failure.unavailable("no free port on 127.0.0.1") }
        return port
    }
}
