import ArgumentParser
import Foundation
import DaemonSupport
import NIOCore
import NIOPosix

/// `commandhub`: the hub of a crypto-agent fleet.
@main
struct CommandHubCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commandhub",
        abstract: "A control plane for crypto trading agents: gRPC streams to agents, REST for operators.",
        subcommands: [Serve.self, Demo.self, AgentsCommand.self, UsersCommand.self, DatabaseCommand.self, CtlCommand.self],
        defaultSubcommand: nil
    )

    static func main() async {
        ProcessSignals.unblockTermination()
        // How many event-loop threads serve everything (sockets and Swift concurrency alike).
        // Read here, before NIO's singletons exist; the default is one per core.
        if let loops = ProcessInfo.processInfo.environment["COMMANDHUB_EVENT_LOOPS"].flatMap(Int.init), (1...256).contains(loops) {
            NIOSingletons.groupLoopCountSuggestion = loops
        }
        // Swift concurrency runs on NIO's event loops: no hop between the sockets' threads and a
        // separate cooperative pool on every request, command and ack.
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // `ctl` is for scripts too: its usage errors exit 2, as its help says, not 64.
            if CtlCommand.isInvocation(CommandLine.arguments), Self.exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((Self.fullMessage(for: error) + "\n").utf8))
                Self.exit(withError: CtlExit.usage)
            }
            exit(withError: error)
        }
    }
}
