import ArgumentParser

/// `commandhub`: the hub of a crypto-agent fleet.
@main
struct CommandHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commandhub",
        abstract: "A control plane for crypto trading agents: gRPC streams to agents, REST for operators.",
        subcommands: [Serve.self, Demo.self, AgentsCommand.self, DatabaseCommand.self],
        defaultSubcommand: nil
    )
}
