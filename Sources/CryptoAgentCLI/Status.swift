import ArgumentParser
import CryptoAgent
import Foundation
import Wire

/// `crypto-agent status`: who this agent is and what its state file says about its link.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the agent's identity, configuration and what its state file knows of its hub link."
    )

    @OptionGroup var options: AgentOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let local = try await LocalState.open(self.options)
        let agentID = try local.store.identity(configured: local.configuration.agentID)
        let link = (try? local.store.linkState()) ?? [:]
        let finished = try SQLiteFinishedCommands(store: local.store, retention: local.configuration.finishedRetention).count()
        let wallets = try await local.exchange.balances(symbols: [])
        let fields: [(String, String)] = [
            ("agent_id", agentID.uuidString.lowercased()),
            ("name", local.configuration.name),
            ("hub", local.configuration.hubAddresses.joined(separator: ",")),
            ("token", local.configuration.token == nil ? "not set" : "set"),
            ("exchange", local.exchange.name),
            ("exchange_url", local.configuration.exchange == "binance" ? local.configuration.binance.baseURL : "-"),
            ("state_path", local.configuration.statePath),
            ("session_id", link["session_id"] ?? "never connected"),
            ("welcomed_at", link["welcomed_at"] ?? "-"),
            ("last_heartbeat_at", link["last_heartbeat_at"] ?? "-"),
            ("finished_commands", String(finished)),
            ("wallets", String(wallets.count)),
        ]
        self.output.print(
            json: Dictionary(uniqueKeysWithValues: fields),
            text: Table.render(header: ["FIELD", "VALUE"], rows: fields.map { [$0.0, $0.1] })
        )
    }
}

/// `crypto-agent wallets`: the exchange's balances, and optionally the paper exchange's ledger.
struct Wallets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show wallet balances (and the ledger with --transactions N).")

    @OptionGroup var options: AgentOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Also show the newest N ledger transactions.")
    var transactions: Int = 0

    func run() async throws {
        let local = try await LocalState.open(self.options)
        let balances = try await local.exchange.balances(symbols: [])
        var json: [String: Any] = [
            "wallets": balances.map { ["asset": $0.asset, "free": DecimalText.format($0.free), "locked": DecimalText.format($0.locked)] }
        ]
        var text = Table.render(
            header: ["ASSET", "FREE", "LOCKED"],
            rows: balances.map { [$0.asset, DecimalText.format($0.free), DecimalText.format($0.locked)] }
        )
        if self.transactions > 0 {
            guard let paper = local.exchange as? PaperExchange else {
                throw Failure.unavailable("--transactions shows the paper exchange's ledger; \(local.exchange.name) keeps its own history")
            }
            let ledger = try await paper.transactions(limit: min(self.transactions, 10_000))
            json["transactions"] = ledger.map {
                [
                    "id": $0.id, "order_id": $0.orderID ?? NSNull(), "kind": $0.kind, "asset": $0.asset,
                    "amount": DecimalText.format($0.amount),
                    "commission": DecimalText.format($0.commission), "status": $0.status, "created_at": $0.createdAt.formatted(.iso8601),
                ] as [String: Any]
            }
            text +=
                "\n\n"
                + Table.render(
                    header: ["ID", "KIND", "ASSET", "AMOUNT", "COMMISSION", "STATUS", "AT"],
                    rows: ledger.map {
                        [
                            String($0.id), $0.kind, $0.asset, DecimalText.format($0.amount), DecimalText.format($0.commission), $0.status,
                            $0.createdAt.formatted(.iso8601),
                        ]
                    }
                )
        }
        self.output.print(json: json, text: text)
    }
}
