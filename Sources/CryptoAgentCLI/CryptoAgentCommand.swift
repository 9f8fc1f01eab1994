import ArgumentParser
import DaemonSupport

/// `crypto-agent`: the agent that runs next to an exchange connector.
@main
struct CryptoAgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crypto-agent",
        abstract: "A crypto trading agent: holds a gRPC stream to a CommandHub and executes its commands.",
        subcommands: [Run.self, Status.self, Wallets.self, Sell.self]
    )

    static func main() async {
        ProcessSignals.unblockTermination()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
