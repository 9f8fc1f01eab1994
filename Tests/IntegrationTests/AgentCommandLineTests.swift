import Foundation
import Testing
import TestSupport

/// The agent's local commands (status / wallets / sell, as the desktop agent has them), run as
/// the real binary against a state file.
@Suite("crypto-agent command line", .timeLimit(.minutes(2)))
struct AgentCommandLineTests {
    func run(_ arguments: [String], state: String, input: String? = nil) async throws -> (status: Int32, output: String) {
        let child = try ChildProcess(
            executable: "crypto-agent", arguments: arguments, environment: ["CRYPTO_AGENT_STATE_PATH": state], input: input)
        let status = try await child.exitStatus()
        try await child.waitForEnd()
        return (status, child.lines.events.joined(separator: "\n"))
    }

    @Test func walletsPreviewAndExecuteWorkOnTheLocalLedgerAndExecuteAsksFirst() async throws {
        try await TemporaryDirectory.with { directory in
            let state = directory.path("agent.sqlite")
            let wallets = try await self.run(["wallets", "--json"], state: state)
            #expect(wallets.status == 0)
            #expect(wallets.output.contains(#""free" : "1.5""#))

            let preview = try await self.run(["sell", "preview", "--asset", "btc", "--quantity", "0.25", "--json"], state: state)
            #expect(preview.status == 0)
            #expect(preview.output.contains(#""net" : "10770.593625""#))

            let declined = try await self.run(["sell", "execute", "--asset", "BTC", "--quantity", "0.25"], state: state, input: "n\n")
            #expect(declined.status == 0)
            #expect(declined.output.contains("not executed"))

            let executed = try await self.run(["sell", "execute", "--asset", "BTC", "--quantity", "0.25"], state: state, input: "y\n")
            #expect(executed.status == 0, "\(executed.output)")
            #expect(executed.output.contains("net") && executed.output.contains("10770.593625"))

            let refused = try await self.run(["sell", "execute", "--asset", "BTC", "--quantity", "5", "--yes"], state: state)
            #expect(refused.status == 65)
            #expect(refused.output.contains("not executed: insufficient_balance"))

            let after = try await self.run(["wallets", "--transactions", "3"], state: state)
            #expect(after.output.contains("1.25"))
            #expect(after.output.contains("commission"))
            let status = try await self.run(["status", "--json"], state: state)
            #expect(status.output.contains(#""session_id" : "never connected""#))
        }
    }
}
