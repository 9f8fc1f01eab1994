import ArgumentParser

/// `commandhub ctl …`: an operator's command line over the hub's REST API — the same calls a
/// script would make with curl, with tables for people and `--json` for scripts.
struct CtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Operate a running hub over its REST API: clients, commands, sells, history, live events.",
        discussion: """
            Log in once with `commandhub ctl login` (the token is saved for the hub's URL), then \
            e.g. `commandhub ctl clients list`, `commandhub ctl pause <client-id>`, \
            `commandhub ctl pause --selector desk=spot`, `commandhub ctl watch`.

            \(CtlExit.help)
            """,
        subcommands: [
            LoginCommand.self, LogoutCommand.self, ClientsCommand.self,
            PauseCommand.self, ResumeCommand.self, PingCommand.self, SyncCommand.self, StatusCommand.self,
            SellCommand.self, HistoryCommand.self, WatchCommand.self,
        ]
    )

    /// Whether these process arguments run a `ctl` command (its usage errors exit 2).
    static func isInvocation(_ arguments: [String]) -> Bool {
        arguments.dropFirst().first == "ctl"
    }
}
