import ArgumentParser
import Foundation
import NIOCore

/// Which agents a command goes to: one client id, the connected clients matching a selector,
/// or all connected clients.
struct AgentTarget: ParsableArguments {
    @Argument(help: "The client's id (a UUID). Or use --selector / --all.")
    var clientID: String?

    @Option(help: "Every connected client matching this label selector, e.g. desk=spot,venue!=otc.")
    var selector: String?

    @Flag(help: "Every connected client.")
    var all = false

    @Option(help: "Seconds the hub waits for each agent's answer (hub default 5, at most 300).")
    var timeout: Double?

    func validate() throws {
        let given = [self.clientID != nil, self.selector != nil, self.all].filter { $0 }.count
        guard given == 1 else { throw ValidationError("give exactly one of a client id, --selector or --all") }
        if let timeout, !(timeout > 0 && timeout <= 300) { throw ValidationError("--timeout must be in (0, 300] seconds") }
    }

    /// The selector for a bulk or fan-out action (nil for --all).
    var bulkSelector: String? { self.all ? nil : self.selector }

    /// The `timeout` query value, as the hub reads it.
    var timeoutQuery: String? { self.timeout.map { String($0) } }

    /// How long to wait for the hub's answer: its own deadline plus a margin.
    var deadline: TimeAmount { .milliseconds(Int64(((self.timeout ?? 300) + 30) * 1000)) }
}

/// The shape shared by the per-agent commands: a REST action for one agent, and either a bulk
/// endpoint or a client-side fan-out for many.
struct AgentAction {
    /// The path segment after `/{client_id}/`, e.g. `pause`, `sync_wallets`.
    let name: String
    /// The bulk endpoint (`pause_all`), or nil to fan out over the matching clients from here.
    let bulk: String?
    /// Extra query parameters (`symbols`, `include_stats`).
    var query: [(String, String?)] = []

    func run(_ target: AgentTarget, _ options: CtlOptions) async throws {
        let hub = try options.client()
        let query = self.query + [("timeout", target.timeoutQuery)]
        if let clientID = target.clientID {
            let path = "/api/crypto/commands/\(HubClient.encode(clientID))/\(self.name)/" + HubClient.query(query)
            let reply = try await hub.send(.post, path, deadline: target.deadline)
            let answer = try reply.accepted(json: options.json)
            options.json ? Output.line(reply.text) : Output.line(Rendering.commandAnswer(answer))
            if answer["command_result"]["success"].bool != true { throw CtlExit.failed }
        } else if let bulk {
            let path = "/api/crypto/commands/\(bulk)/" + HubClient.query(query + [("selector", target.bulkSelector)])
            let reply = try await hub.send(.post, path, deadline: target.deadline)
            let answer = try reply.accepted(json: options.json)
            options.json ? Output.line(reply.text) : Output.line(Rendering.bulkAnswer(answer))
            if (answer["targeted"].int ?? 0) != (answer["succeeded"].int ?? 0) { throw CtlExit.failed }
        } else {
            let fanOut = FanOut(hub: hub, action: self.name, query: query, deadline: target.deadline)
            let report = try await fanOut.run(selector: target.bulkSelector, json: options.json)
            options.json ? Output.line(report.json(selector: target.bulkSelector)) : Output.line(report.table())
            if !report.allSucceeded { throw CtlExit.failed }
        }
    }
}

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Pause one agent, those matching --selector, or --all (pause_all).", discussion: CtlExit.help
    )
    @OptionGroup var target: AgentTarget
    @OptionGroup var options: CtlOptions

    func run() async throws { try await AgentAction(name: "pause", bulk: "pause_all").run(self.target, self.options) }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume", abstract: "Resume one agent, those matching --selector, or --all (resume_all).", discussion: CtlExit.help
    )
    @OptionGroup var target: AgentTarget
    @OptionGroup var options: CtlOptions

    func run() async throws { try await AgentAction(name: "resume", bulk: "resume_all").run(self.target, self.options) }
}

struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping",
        abstract: "Ping one agent, or every matching one concurrently (round trip per agent).",
        discussion:
            "With --selector or --all, --json prints one document: {action, selector, total, succeeded, failed, results: [{client_id, client_name, http_status, response}]}, each response the hub's JSON unchanged.\n\n"
            + CtlExit.help
    )
    @OptionGroup var target: AgentTarget
    @OptionGroup var options: CtlOptions

    func run() async throws { try await AgentAction(name: "ping", bulk: nil).run(self.target, self.options) }
}

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Sync wallet balances on one agent, those matching --selector, or --all (sync_all).",
        discussion: CtlExit.help
    )
    @OptionGroup var target: AgentTarget
    @Option(help: "Coin symbols to sync, e.g. BTC,ETH (default: all).")
    var symbols: String?
    @OptionGroup var options: CtlOptions

    func run() async throws {
        try await AgentAction(name: "sync_wallets", bulk: "sync_all", query: [("symbols", self.symbols)]).run(self.target, self.options)
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask one agent, or every matching one concurrently, for its status (request_status).",
        discussion: "With --selector or --all, --json prints one document as `ping` does.\n\n" + CtlExit.help
    )
    @OptionGroup var target: AgentTarget
    @Flag(help: "Include the agent's detailed statistics.")
    var stats = false
    @OptionGroup var options: CtlOptions

    func run() async throws {
        try await AgentAction(name: "request_status", bulk: nil, query: [("include_stats", self.stats ? "true" : nil)])
            .run(self.target, self.options)
    }
}
