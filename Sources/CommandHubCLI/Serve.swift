import ArgumentParser
import CommandHub
import HubCore
import HubStorage
import HubAPI
import HubPostgres
import Foundation
import Logging
import DaemonSupport
import ServiceLifecycle
import UnixSignals

/// `commandhub serve`: run a hub until SIGTERM/SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the hub: the gRPC AgentLink listener and the REST API.",
        discussion: """
            Configuration comes from --config (JSON), then COMMANDHUB_* environment variables, then \
            the flags below, each overriding the one before. Keys (environment: COMMANDHUB_ + key \
            upper-cased with dots as underscores):
            \(HubConfiguration.keys.map { "  \($0.key): \($0.help)" }.joined(separator: "\n"))
            """
    )

    @Option(help: "JSON configuration file.")
    var config: String?

    @Option(help: "Address the gRPC listener binds.")
    var grpcHost: String?

    @Option(help: "gRPC port (0 picks a free one).")
    var grpcPort: Int?

    @Option(help: "Address the REST API binds.")
    var httpHost: String?

    @Option(help: "REST port (0 picks a free one).")
    var httpPort: Int?

    @Option(help: "The hub's SQLite file (store.path), or a postgres:// URL (store.url: several hubs share it).")
    var store: String?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = self.logging.bootstrap()
        var overrides: [String: String] = [:]
        if let grpcHost { overrides["grpc.host"] = grpcHost }
        if let grpcPort { overrides["grpc.port"] = String(grpcPort) }
        if let httpHost { overrides["http.host"] = httpHost }
        if let httpPort { overrides["http.port"] = String(httpPort) }
        if let store { overrides[PostgresLocation.isPostgres(store) ? "store.url" : "store.path"] = store }
        let configuration: HubConfiguration
        do {
            configuration = try await HubConfiguration.load(
                file: self.config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            throw Failure.configuration(error.description)
        }
        let hub: Hub
        do {
            hub = try await buildHub(configuration: configuration, logger: logger)
        } catch let error as StoreError {
            throw Failure.store(error.description)
        } catch let error as ConfigurationError {
            throw Failure.configuration(error.description)
        }
        let group = ServiceGroup(services: [hub], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                let grpcPort = try await hub.grpcPort
                let httpPort = try await hub.httpPort
                logger.notice(
                    "commandhub serving",
                    metadata: [
                        "grpc": "\(configuration.grpcHost):\(grpcPort)", "http": "\(configuration.httpHost):\(httpPort)",
                        "security": "\(configuration.listenerSecurity)",
                    ])
            }
            try await tasks.waitForAll()
        }
    }
}
