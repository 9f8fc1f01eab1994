import ArgumentParser
import CommandHub
import HubCore
import HubStorage
import HubAPI
import Foundation

/// `commandhub db check`: opens the hub's database (creating and migrating it if needed),
/// verifies its integrity and prints what it holds. Exits 74 with a clear line otherwise.
struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Inspect the hub's database.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open, migrate and integrity-check the hub's SQLite file; print its contents' counts."
        )

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let database = try await self.store.open()
            let counts = try await CommandHistory(database: database).countsByState()
            print("database: \(database.path) (ok)")
            print(
                "commands: "
                    + (counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")))
        }
    }
}
