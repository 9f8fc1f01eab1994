import ArgumentParser
import CommandHub
import HubCore
import HubStorage
import HubAPI
import Foundation
import DaemonSupport

/// Where the hub's database is, for the commands that work on it directly.
struct StoreOptions: ParsableArguments {
    @Option(help: "The hub's JSON configuration file (its store.path is used).")
    var config: String?

    @Option(help: "The hub's SQLite file (overrides the configuration; default commandhub.sqlite).")
    var store: String?

    /// The hub's configuration (file, environment, `--store`), or ends the command (exit 78).
    func configuration() async throws -> HubConfiguration {
        var overrides: [String: String] = [:]
        if let store { overrides["store.path"] = store }
        do {
            return try await HubConfiguration.load(
                file: self.config, environment: ProcessInfo.processInfo.environment, overrides: overrides)
        } catch {
            throw Failure.configuration(error.description)
        }
    }

    /// Opens the database, or ends the command with a clear line (exit 74 / 78).
    func open() async throws -> HubDatabase {
        let configuration = try await self.configuration()
        do {
            return try HubDatabase.open(path: configuration.storePath)
        } catch {
            throw Failure.store(error.description)
        }
    }
}
