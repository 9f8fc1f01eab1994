import ArgumentParser
import CommandHub
import HubCore
import HubStorage
import HubAPI
import HubPostgres
import Logging
import Foundation
import DaemonSupport

/// Where the hub's database is, for the commands that work on it directly.
struct StoreOptions: ParsableArguments {
    @Option(help: "The hub's JSON configuration file (its store.path is used).")
    var config: String?

    @Option(
        help:
            "The hub's store: its SQLite file, or a postgres://user:password@host:port/database URL (overrides the configuration; default commandhub.sqlite)."
    )
    var store: String?

    /// The hub's configuration (file, environment, `--store`), or ends the command (exit 78).
    func configuration() async throws -> HubConfiguration {
        var overrides: [String: String] = [:]
        if let store { overrides[PostgresLocation.isPostgres(store) ? "store.url" : "store.path"] = store }
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

    /// Runs `body` with the store the configuration names — the SQLite file, or PostgreSQL (its
    /// client running, the schema migrated, for the body's duration) — or ends the command with
    /// a clear line (exit 74 / 78).
    func withStore<T: Sendable>(_ body: (CLIStore) async throws -> T) async throws -> T {
        let configuration = try await self.configuration()
        guard let url = configuration.storeURL else {
            let database = try await self.open()
            return try await body(
                CLIStore(credentials: CredentialStore(database: database), operators: OperatorStore(database: database)))
        }
        let postgres: PostgresStore
        do {
            postgres = PostgresStore(location: try PostgresLocation(url: url), logger: Logger(label: "commandhub"))
        } catch {
            throw Failure.configuration(error.description)
        }
        let connection = postgres.start()
        defer { connection.running.cancel() }
        do {
            try await postgres.migrate()
        } catch {
            throw Failure.store(error.description)
        }
        return try await body(CLIStore(credentials: postgres.credentials, operators: postgres.operators))
    }
}

/// The parts of the store the admin commands use.
struct CLIStore {
    let credentials: any AgentCredentials
    let operators: any OperatorAccounts
}
