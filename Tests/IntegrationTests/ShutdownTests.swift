import Foundation
import Testing
import TestSupport

/// SIGTERM to a real `commandhub serve` process with commands in flight.
@Suite("Shutdown on SIGTERM", .timeLimit(.minutes(2)))
struct ShutdownTests {
    /// One command is answered during the grace period (200); one agent never answers, so its
    /// command ends `undeliverable` when the grace period is over (503) instead of at its 60 s
    /// deadline; both are final in the log; the process exits 0.
    @Test func inFlightCommandsFinishOrEndFinalAndTheProcessExitsZero() async throws {
        try await TemporaryDirectory.with { directory in
            let store = directory.path("hub.sqlite")
            let hub = try await HubProcess.start(store: store, extraEnvironment: ["COMMANDHUB_SHUTDOWN_GRACE_PERIOD_SECONDS": "1"])
            let answering = RawAgent(port: hub.grpcPort)
            let silent = RawAgent(port: hub.grpcPort)
            var readers: [HubMessages] = []
            for agent in [answering, silent] {
                agent.sendHello()
                readers.append(HubMessages(agent))
                try await hub.child.lines.wait {
                    $0.contains("agent_id=\(agent.agentID.uuidString.lowercased())") && $0.contains("agent connected")
                }
            }
            let calls = [answering, silent].map { agent in
                Task { try await hub.rest.post("/api/crypto/commands/\(agent.agentID.uuidString.lowercased())/ping/?timeout=60") }
            }
            let command = try await readers[0].nextCommand()
            _ = try await readers[1].nextCommand()

            let signalled = ContinuousClock.now
            hub.child.signal(SIGTERM)
            try await hub.child.waitForLine(containing: "shutting down: no new connections")
            answering.ack(command, message: "answered while the hub drains")

            let answered = try await calls[0].value
            #expect(answered.status == 200, "\(answered)")
            #expect(answered.json["command_result"]["message"].string == "answered while the hub drains")
            let cut = try await calls[1].value
            // 503, not the 504 of its 60 s deadline: the end of the 1 s grace period ended it.
            #expect(cut.status == 503, "\(cut)")
            #expect(cut.json["error"].string == "client_not_connected")
            let ending = try #require(await readers[1].ending() as? (any Error))
            #expect("\(ending)".contains("The hub is shutting down"), "\(ending)")
            #expect(try await hub.child.exitStatus() == 0)
            Measured.note(
                "SIGTERM with 2 commands in flight (grace 1 s): one answered, one undeliverable, exit 0 after \(Measured.seconds(ContinuousClock.now - signalled))"
            )
            let firstRun = hub.child.lines.events.suffix(30).joined(separator: "\n")

            // Restarted on the same store: both commands are final, as the callers were told.
            let again = try await HubProcess.start(store: store)
            for state in ["pending", "sent"] {
                #expect(try await again.rest.get("/api/crypto/history/?state=\(state)").json["count"].int == 0)
            }
            #expect(try await again.rest.get("/api/crypto/history/?state=acknowledged").json["count"].int == 1)
            let undeliverable = try await again.rest.get("/api/crypto/history/?state=undeliverable")
            #expect(undeliverable.json["count"].int == 1)
            #expect(
                undeliverable.json["items"][0]["error_code"].string != "hub_restarted",
                "ended by the shutdown, not by crash recovery:\n\(firstRun)")
            again.child.signal(SIGTERM)
            #expect(try await again.child.exitStatus() == 0)
        }
    }
}
