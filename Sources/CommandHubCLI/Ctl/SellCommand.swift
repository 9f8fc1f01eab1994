import ArgumentParser
import Foundation
import NIOCore

/// `ctl sell`: preview or execute a sell on one agent through the hub.
///
/// Executing always previews first and shows it; it asks before selling unless `--yes`. It
/// sends an `Idempotency-Key` — the one given, or a new one it prints first — so the same
/// command repeated with `--idempotency-key` after a timeout or a lost connection can never
/// sell twice.
struct SellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sell",
        abstract: "Preview or execute a sell on one agent.",
        discussion: """
            Amounts are decimal strings (at most 10 places). Without --preview the sell is previewed, \
            shown, confirmed (unless --yes; without a terminal --yes is required) and executed with \
            an Idempotency-Key, printed on standard error so a retry can reuse it. With --json each \
            answer of the hub (preview, then execution) is printed on its own line.

            \(CtlExit.help)
            """
    )

    @Argument(help: "The client's id (a UUID).")
    var clientID: String

    @Option(help: "Asset to sell, e.g. BTC.")
    var asset: String

    @Option(help: "Quantity as a decimal, e.g. 0.25.")
    var quantity: String

    @Option(help: "Refuse if the price is below this.")
    var minPrice: String?

    @Flag(help: "Only preview: price, gross, fee, net and the limits executing would hit.")
    var preview = false

    @Flag(help: "Execute without asking.")
    var yes = false

    @Option(help: "Idempotency-Key to send (reuse the printed one to retry safely); generated when omitted.")
    var idempotencyKey: String?

    @Option(help: "Seconds the hub waits for the agent's answer (hub default 5, at most 300).")
    var timeout: Double?

    @OptionGroup var options: CtlOptions

    func validate() throws {
        if let timeout, !(timeout > 0 && timeout <= 300) { throw ValidationError("--timeout must be in (0, 300] seconds") }
        if self.preview, self.idempotencyKey != nil { throw ValidationError("--idempotency-key is for executing; drop --preview") }
    }

    func run() async throws {
        let hub = try self.options.client()
        let path =
            "/api/crypto/commands/\(HubClient.encode(self.clientID))/sell/"
            + HubClient.query([("timeout", self.timeout.map { String($0) })])
        let deadline = TimeAmount.milliseconds(Int64(((self.timeout ?? 300) + 30) * 1000))

        let previewed = try await hub.send(.post, path, body: self.body(preview: true), deadline: deadline)
        let preview = try previewed.accepted(json: self.options.json)
        self.options.json ? Output.line(previewed.text) : Output.line(Rendering.commandAnswer(preview))
        guard preview["command_result"]["success"].bool == true else { throw CtlExit.failed }
        if self.preview { return }

        let limits = preview["command_result"]["preview"]["limits_hit"].array.map(\.cell)
        guard limits.isEmpty else {
            throw CtlExit.fail(CtlExit.failed, "not executed: the sell would hit \(limits.joined(separator: ", "))")
        }
        if !self.yes {
            guard Terminal.isInteractive else {
                throw CtlExit.fail(CtlExit.usage, "standard input is not a terminal to confirm on: pass --yes to execute")
            }
            guard Terminal.confirm("Execute this sell of \(self.quantity) \(self.asset.uppercased())?") else {
                throw CtlExit.fail(CtlExit.failed, "not executed")
            }
        }
        let key = self.idempotencyKey ?? "ctl-sell-" + UUID().uuidString.lowercased()
        Output.error("Idempotency-Key: \(key) (to retry this sell safely: --idempotency-key \(key))")
        let executed = try await hub.send(
            .post, path, body: self.body(preview: false), headers: [("Idempotency-Key", key)], deadline: deadline)
        let fill = try executed.accepted(json: self.options.json)
        self.options.json ? Output.line(executed.text) : Output.line(Rendering.commandAnswer(fill))
        if fill["command_result"]["success"].bool != true { throw CtlExit.failed }
    }

    /// The sell body; amounts as strings, as the hub requires.
    func body(preview: Bool) -> String {
        var members = ["\"asset\":\(JSONValue.quote(self.asset))", "\"quantity\":\(JSONValue.quote(self.quantity))"]
        if let minPrice { members.append("\"min_price\":\(JSONValue.quote(minPrice))") }
        members.append("\"preview\":\(preview)")
        return "{" + members.joined(separator: ",") + "}"
    }
}
