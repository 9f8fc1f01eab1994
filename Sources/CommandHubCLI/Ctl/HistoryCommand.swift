import ArgumentParser
import Foundation

/// `ctl history`: the hub's command log, newest first, one page or all of them.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "The command log, newest first (GET /api/crypto/history/).",
        discussion: """
            --limit is the page size (hub default 50, at most 1000). Without --all-pages one page is \
            printed and, when there are more, the cursor to continue from (on standard error); with \
            it every page is fetched. With --json each page is the hub's JSON unchanged, one per line.

            \(CtlExit.help)
            """
    )

    @Option(name: .customLong("client"), help: "Only this client's commands (a UUID).")
    var clientID: String?

    @Option(help: "Only this action: pause, resume, ping, sync_wallets, request_status, sell.")
    var action: String?

    @Option(help: "Only this final or current state: pending, sent, acknowledged, failed, timed_out, undeliverable, cancelled.")
    var state: String?

    @Option(help: "Only commands created at or after this time (ISO 8601 or Unix seconds).")
    var since: String?

    @Option(help: "Only commands created before this time (ISO 8601 or Unix seconds).")
    var until: String?

    @Option(help: "Page size (1-1000).")
    var limit: Int?

    @Option(help: "Continue from this next_cursor of an earlier page.")
    var cursor: String?

    @Flag(help: "Follow next_cursor until the last page.")
    var allPages = false

    @OptionGroup var options: CtlOptions

    func validate() throws {
        if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit must be 1...1000") }
    }

    func run() async throws {
        let hub = try self.options.client()
        var cursor = self.cursor
        var items: [JSONValue] = []
        repeat {
            let query = HubClient.query([
                ("client_id", self.clientID), ("action", self.action), ("state", self.state), ("since", self.since),
                ("until", self.until), ("limit", self.limit.map(String.init)), ("cursor", cursor),
            ])
            let reply = try await hub.send(.get, "/api/crypto/history/" + query)
            let page = try reply.accepted(json: self.options.json)
            cursor = page["next_cursor"].string
            if self.options.json { Output.line(reply.text) } else { items += page["items"].array }
        } while self.allPages && cursor != nil
        guard !self.options.json else { return }
        Output.line(items.isEmpty ? "No commands." : Rendering.history(items))
        if let cursor { Output.error("more: --cursor \(cursor) (or --all-pages)") }
    }
}
