import ArgumentParser
import CommandHub
import HubCore
import HubStorage
import HubAPI
import Foundation

/// `commandhub agents …`: agent credentials in the hub's database. Works whether or not the
/// hub is running; a running hub picks changes up within `store.credential_poll_ms` and closes
/// the streams of a revoked credential at once.
struct AgentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agents",
        abstract: "Manage agent credentials: add, list, rotate, revoke.",
        subcommands: [Add.self, List.self, Rotate.self, Revoke.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a credential and print its token (shown once; only its hash is stored)."
        )

        @Argument(help: "Credential name (letters, digits, '-', '_', '.').")
        var name: String

        @Option(name: .customLong("label"), help: "A label k=v merged into the agent's labels; repeatable.")
        var labels: [String] = []

        @OptionGroup var store: StoreOptions

        func validate() throws { _ = try parseLabels(self.labels) }

        func run() async throws {
            let labels = try parseLabels(self.labels)
            try await self.store.withStore { store in
                let credentials = store.credentials
                do {
                    let token = try await credentials.add(name: self.name, labels: labels)
                    print(token)
                    FileHandle.standardError.write(Data("credential \(self.name) created; the token above is shown only once\n".utf8))
                } catch let error as HubError {
                    throw Failure.data(error.message)
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a new token for a credential (creating it if needed); the old token stops working."
        )

        @Argument(help: "Credential name.")
        var name: String

        @Option(name: .customLong("label"), help: "A label k=v; repeatable.")
        var labels: [String] = []

        @OptionGroup var store: StoreOptions

        func validate() throws { _ = try parseLabels(self.labels) }

        func run() async throws {
            let labels = try parseLabels(self.labels)
            try await self.store.withStore { store in
                let credentials = store.credentials
                do {
                    print(try await credentials.rotate(name: self.name, labels: labels))
                } catch let error as HubError {
                    throw Failure.data(error.message)
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List credentials (never their tokens).")

        @Flag(help: "Print JSON for scripts instead of a table.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await self.store.withStore { store in
                let credentials = try await store.credentials.list()
                if self.json {
                    let rows = credentials.map { credential -> [String: String] in
                        var row = ["name": credential.name, "created_at": credential.createdAt.formatted(.iso8601)]
                        if let revoked = credential.revokedAt { row["revoked_at"] = revoked.formatted(.iso8601) }
                        if !credential.labels.isEmpty {
                            row["labels"] = credential.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                                separator: ",")
                        }
                        return row
                    }
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                    print(String(decoding: try encoder.encode(rows), as: UTF8.self))
                    return
                }
                print(
                    Table.render(
                        header: ["NAME", "STATE", "CREATED", "LABELS"],
                        rows: credentials.map { credential in
                            [
                                credential.name, credential.isRevoked ? "revoked" : "active", credential.createdAt.formatted(.iso8601),
                                credential.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ","),
                            ]
                        }
                    ))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a credential: its token is refused and a running hub closes its agents' streams."
        )

        @Argument(help: "Credential name.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await self.store.withStore { store in
                let credentials = store.credentials
                do {
                    let changed = try await credentials.revoke(name: self.name)
                    print(changed ? "credential \(self.name) revoked" : "credential \(self.name) was already revoked")
                } catch let error as HubError {
                    throw Failure.data(error.message)
                }
            }
        }
    }
}

/// Parses repeated `k=v` options.
func parseLabels(_ pairs: [String]) throws -> [String: String] {
    var labels: [String: String] = [:]
    for pair in pairs {
        let parts = pair.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("label \"\(pair)\" must be key=value") }
        labels[String(parts[0])] = String(parts[1])
    }
    return labels
}
