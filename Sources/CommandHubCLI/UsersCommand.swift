import ArgumentParser
import CommandHub
import HubCore
import HubStorage
import HubAPI
import Foundation

/// `commandhub users …`: operator accounts in the hub's database. Works whether or not the hub
/// is running; a running hub picks changes up within `store.credential_poll_ms`.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Manage operator accounts: add, list, set-role, passwd, remove.",
        discussion: """
            Roles: viewer (reads), operator (also pause, resume, ping, sync, status), trader (also sell),
            admin (also bulk actions, agent credentials and operator accounts).
            """,
        subcommands: [Add.self, List.self, SetRole.self, Passwd.self, Remove.self]
    )

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an account. Without --password-stdin a random password is printed once."
        )

        @Argument(help: "Account name (1-64 of a-z A-Z 0-9 . _ @ -).")
        var name: String

        @Option(help: "viewer, operator, trader or admin.")
        var role: OperatorRole

        @Flag(help: "Read the password (12-256 characters) from the first line of standard input.")
        var passwordStdin = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let configuration = try await self.store.configuration()
            let password = try self.passwordStdin ? readPassword() : PasswordHasher.generate()
            let hash = try await PasswordHasher(cost: UInt8(configuration.bcryptCost)).hash(password)
            try await self.store.withStore { store in
                let operators = store.operators
                do {
                    try await operators.add(name: self.name, role: self.role, passwordHash: hash)
                } catch let error as HubError {
                    throw Failure.data(error.message)
                }
                if !self.passwordStdin { print(password) }
                FileHandle.standardError.write(
                    Data(
                        "operator \(self.name) created with role \(self.role.rawValue)\(self.passwordStdin ? "" : "; the password above is shown only once")\n"
                            .utf8))
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts (never their passwords).")

        @Flag(help: "Print JSON for scripts instead of a table.")
        var json = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await self.store.withStore { store in
                let operators = store.operators
                let accounts: [OperatorStore.Account]
                do {
                    accounts = try await operators.list()
                } catch let error as HubError {
                    throw Failure.store(error.message)
                }
                if self.json {
                    let rows = accounts.map { account -> [String: String] in
                        var row = [
                            "name": account.name, "role": account.role.rawValue, "created_at": account.createdAt.formatted(.iso8601),
                        ]
                        if let last = account.lastLoginAt { row["last_login_at"] = last.formatted(.iso8601) }
                        return row
                    }
                    let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys])
                    print(String(decoding: data, as: UTF8.self))
                    return
                }
                print(
                    Table.render(
                        header: ["NAME", "ROLE", "CREATED", "LAST LOGIN"],
                        rows: accounts.map {
                            [$0.name, $0.role.rawValue, $0.createdAt.formatted(.iso8601), $0.lastLoginAt?.formatted(.iso8601) ?? "-"]
                        }
                    ))
            }
        }
    }

    struct SetRole: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-role", abstract: "Change an account's role; it applies to its tokens at once.")

        @Argument(help: "Account name.")
        var name: String

        @Argument(help: "viewer, operator, trader or admin.")
        var role: OperatorRole

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await self.store.withStore { store in
                let operators = store.operators
                do {
                    try await operators.update(name: self.name, role: self.role, passwordHash: nil)
                } catch let error as HubError {
                    throw Failure.data(error.message)
                }
            }
        }
    }

    struct Passwd: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a new password. Without --password-stdin a random one is printed once.")

        @Argument(help: "Account name.")
        var name: String

        @Flag(help: "Read the password from the first line of standard input.")
        var passwordStdin = false

        @OptionGroup var store: StoreOptions

        func run() async throws {
            let configuration = try await self.store.configuration()
            let password = try self.passwordStdin ? readPassword() : PasswordHasher.generate()
            let hash = try await PasswordHasher(cost: UInt8(configuration.bcryptCost)).hash(password)
            try await self.store.withStore { store in
                let operators = store.operators
                do {
                    try await operators.update(name: self.name, role: nil, passwordHash: hash)
                } catch let error as HubError {
                    throw Failure.data(error.message)
                }
                if !self.passwordStdin { print(password) }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an account; its tokens stop working at once.")

        @Argument(help: "Account name.")
        var name: String

        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await self.store.withStore { store in
                let operators = store.operators
                do {
                    try await operators.remove(name: self.name)
                } catch let error as HubError {
                    throw Failure.data(error.message)
                }
            }
        }
    }
}

extension OperatorRole: ExpressibleByArgument {}

/// The first line of standard input, validated as a password.
private func readPassword() throws -> String {
    guard let line = Swift.readLine(strippingNewline: true) else { throw Failure.data("no password on standard input") }
    do {
        try PasswordHasher.validate(line)
    } catch let error as HubError {
        throw Failure.data(error.message)
    }
    return line
}
