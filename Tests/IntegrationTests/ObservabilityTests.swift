import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import Testing
import TestSupport

/// `/metrics`, `/healthz` and `/readyz` over real HTTP: open to probes without a token, and the
/// counters equal to what happened.
@Suite("Metrics and health", .timeLimit(.minutes(2)))
struct ObservabilityTests {
    @Test func probesAnswerWithoutAToken() async throws {
        try await TestHub.with { hub in
            let anonymous = hub.rest.with(token: nil)
            let health = try await anonymous.get("/healthz")
            #expect(health.status == 200)
            #expect(health.json["status"].string == "ok")
            let ready = try await anonymous.get("/readyz")
            #expect(ready.status == 200, "\(ready)")
            #expect(ready.json["checks"]["store"].string == "ok")
            #expect(ready.json["checks"]["grpc_listener"].string == "ok")
            let metrics = try await anonymous.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.header("content-type")?.hasPrefix("text/plain") == true)
        }
    }

    @Test func commandAndConnectionCountsMatchWhatHappened() async throws {
        try await TestHub.with { hub in
            let configuration = TestAgents.configuration(name: "metered", port: hub.grpcPort)
            let agent = try TestAgents.make(configuration)
            let id = agent.agentID.uuidString.lowercased()
            try await TestAgents.with([agent], connectedTo: hub) {
                for _ in 0..<3 { #expect(try await hub.rest.post("/api/crypto/commands/\(id)/ping/").status == 200) }
                #expect(try await hub.rest.post("/api/crypto/commands/\(id)/pause/").status == 200)
                #expect(try await hub.rest.post("/api/crypto/commands/\(id)/sync_wallets/").json["command_result"]["success"].bool == false)
                let text = try await hub.rest.get("/metrics").text
                #expect(Self.value(text, #"commandhub_commands_total{action="ping",state="acknowledged"}"#) == 3)
                #expect(Self.value(text, #"commandhub_commands_total{action="pause",state="acknowledged"}"#) == 1)
                #expect(
                    Self.value(text, #"commandhub_commands_total{action="sync_wallets",state="failed"}"#) == 1,
                    "a refusal is an answered failure")
                #expect(Self.value(text, #"commandhub_command_round_trip_seconds_count{action="ping"}"#) == 3)
                #expect(Self.value(text, "commandhub_agents_connected") == 1)
                #expect(Self.value(text, "commandhub_agent_connections_total") == 1)
                #expect(Self.value(text, "commandhub_agent_reconnects_total") == 0)
                #expect(Self.value(text, "commandhub_commands_pending") == 0)
            }
            try await hub.waitForDisconnected(agent.agentID)
            // The same agent comes back: a reconnect.
            let again = try TestAgents.make(configuration)
            let before = hub.registryEvents.events.count
            try await TestAgents.with([again], connectedTo: hub) {
                try await hub.waitForConnected(again.agentID, after: before)
                let text = try await hub.rest.get("/metrics").text
                #expect(Self.value(text, "commandhub_agent_reconnects_total") == 1)
                #expect(Self.value(text, "commandhub_agent_disconnections_total") == 1)
                #expect(Self.value(text, "commandhub_agents_known") == 1)
            }
            let missing = try await hub.rest.post("/api/crypto/commands/\(id)/ping/")
            #expect(missing.status == 503)
            let text = try await hub.rest.get("/metrics").text
            #expect(Self.value(text, #"commandhub_commands_total{action="ping",state="undeliverable"}"#) == 1)
        }
    }

    /// The sample value of the line that starts with `series` in Prometheus text.
    static func value(_ text: String, _ series: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}
