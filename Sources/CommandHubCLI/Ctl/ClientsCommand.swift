import ArgumentParser
import Foundation

/// `ctl clients list|show`: the hub's view of its agents.
struct ClientsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clients",
        abstract: "List the hub's clients (agents) or show one.",
        subcommands: [List.self, Show.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connected clients; --all adds known, disconnected ones.",
            discussion: CtlExit.help
        )

        @Flag(help: "Include clients that are known but not connected.")
        var all = false

        @Option(help: "Label selector, e.g. venue=binance,desk!=otc (terms ANDed).")
        var selector: String?

        @OptionGroup var options: CtlOptions

        func run() async throws {
            let hub = try self.options.client()
            let query = HubClient.query([("include_offline", self.all ? "true" : nil), ("selector", self.selector)])
            let reply = try await hub.send(.get, "/api/crypto/commands/" + query)
            let clients = try reply.accepted(json: self.options.json)
            if self.options.json { return Output.line(reply.text) }
            Output.line(Rendering.clients(clients.array))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One client's details.", discussion: CtlExit.help)

        @Argument(help: "The client's id (a UUID).")
        var clientID: String

        @OptionGroup var options: CtlOptions

        func run() async throws {
            let hub = try self.options.client()
            let reply = try await hub.send(.get, "/api/crypto/commands/\(HubClient.encode(self.clientID))/")
            let client = try reply.accepted(json: self.options.json)
            if self.options.json { return Output.line(reply.text) }
            Output.line(
                Rendering.fields(
                    client,
                    order: [
                        "client_id", "client_name", "connected", "status", "labels", "metadata", "capabilities", "last_heartbeat",
                        "wallets_synced", "sync_requests", "last_sync", "connected_at", "last_seen", "in_flight",
                    ]))
        }
    }
}
