import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import Logging
import NIOHTTP1
import ServiceLifecycle
import Testing
import TestSupport

/// `GET /api/crypto/events/` over a real HTTP connection against a real hub and agent.
@Suite("Event stream", .timeLimit(.minutes(2)))
struct EventStreamTests {
    /// No heartbeats during a test: the sequence of events is then exactly what the test does.
    static func quiet(_ configuration: inout HubConfiguration) {
        configuration.heartbeatInterval = .seconds(60)
        configuration.livenessTimeout = .seconds(120)
    }

    @Test("The SSE stream delivers connect, disconnect and command events in order")
    func streamDeliversConnectDisconnectAndCommandEventsInOrder() async throws {
        try await TestHub.with(configure: Self.quiet) { hub in
            try await EventStream.with(hub.rest, "/api/crypto/events/") { stream in
                #expect(stream.status == 200)
                #expect(stream.headers.first(name: "content-type") == "text/event-stream")
                #expect(stream.headers.first(name: "cache-control") == "no-store")

                let agent = try TestAgents.make(TestAgents.configuration(name: "watched", port: hub.grpcPort, labels: ["desk": "spot"]))
                let id = agent.agentID.uuidString.lowercased()
                let (ping, pause) = try await TestAgents.with([agent], connectedTo: hub) {
                    // The agent syncs its wallets on connect (briefly SYNCING); once that is in,
                    // its status moves only with what the test does.
                    try await hub.waitForFirstSync(agent.agentID)
                    let ping = try await hub.rest.post("/api/crypto/commands/\(id)/ping/")
                    let pause = try await hub.rest.post("/api/crypto/commands/\(id)/pause/")
                    return (ping, pause)
                }
                #expect(ping.status == 200 && pause.status == 200, "\(ping) \(pause)")

                let events = try await stream.waitForEvents(5)
                #expect(
                    events.map(\.type) == [
                        "agent_connected", "command_finished", "agent_status_changed", "command_finished", "agent_disconnected",
                    ], "\(events)")
                let ids = events.compactMap { $0.id.flatMap(UInt64.init) }
                #expect(ids.count == 5 && zip(ids, ids.dropFirst()).allSatisfy { $0 < $1 }, "ids strictly increase: \(ids)")
                for event in events {
                    #expect(event.json["type"].string == event.type, "\(event)")
                    #expect(event.json["at"].string.map(Self.isMillisecondTimestamp) == true, "\(event)")
                    #expect(event.json["client_id"].string == id, "\(event)")
                }

                let connected = events[0]
                #expect(Self.keys(of: connected) == ["type", "at", "client_id", "client_name", "exchange", "version", "labels"])
                #expect(connected.json["client_name"].string == "watched")
                #expect(connected.json["labels"]["desk"].string == "spot")

                let pinged = events[1]
                #expect(
                    Self.keys(of: pinged) == [
                        "type", "at", "command_id", "client_id", "action", "state", "requested_by", "job_id", "error_code", "duration_ms",
                    ])
                #expect(pinged.json["command_id"].string == ping.json["command_id"].string)
                #expect(pinged.json["action"].string == "ping")
                #expect(pinged.json["state"].string == "acknowledged")
                #expect(pinged.json["requested_by"].string == TestHub.admin)
                #expect(pinged.json["job_id"].isNull && pinged.json["error_code"].isNull)
                #expect((pinged.json["duration_ms"].double ?? -1) >= 0)

                let changed = events[2]
                #expect(Self.keys(of: changed) == ["type", "at", "client_id", "client_name", "status", "previous_status"])
                #expect(changed.json["status"].string == "PAUSED")
                #expect(changed.json["previous_status"].string == "ACTIVE")

                let paused = events[3]
                #expect(paused.json["command_id"].string == pause.json["command_id"].string)
                #expect(paused.json["action"].string == "pause")

                let gone = events[4]
                #expect(Self.keys(of: gone) == ["type", "at", "client_id", "client_name", "reason"])
                #expect(gone.json["reason"].string?.isEmpty == false)
            }
        }
    }

    @Test func streamWithoutATokenIs401() async throws {
        try await TestHub.with { hub in
            let response = try await hub.rest.with(token: nil).get("/api/crypto/events/")
            #expect(response.status == 401)
            #expect(response.json["error"].string == "unauthenticated")
        }
    }

    @Test func typesFilterKeepsOnlyTheNamedEvents() async throws {
        try await TestHub.with(configure: Self.quiet) { hub in
            try await EventStream.with(hub.rest, "/api/crypto/events/?types=agent_connected,command_finished") { stream in
                #expect(stream.status == 200)
                let agent = try TestAgents.make(TestAgents.configuration(name: "filtered", port: hub.grpcPort))
                let id = agent.agentID.uuidString.lowercased()
                try await TestAgents.with([agent], connectedTo: hub) { () async throws -> Void in
                    let ping = try await hub.rest.post("/api/crypto/commands/\(id)/ping/")
                    let pause = try await hub.rest.post("/api/crypto/commands/\(id)/pause/")
                    #expect(ping.status == 200 && pause.status == 200)
                }
                // The status change came before the pause's command_finished, so it would be here.
                let events = try await stream.waitForEvents(3)
                #expect(events.map(\.type) == ["agent_connected", "command_finished", "command_finished"], "\(events)")
                #expect(events.map { $0.json["action"].string } == [nil, "ping", "pause"])
            }
        }
    }

    @Test func unknownEventTypeIs400NamingTheParameter() async throws {
        try await TestHub.with { hub in
            let response = try await hub.rest.get("/api/crypto/events/?types=agent_connected,agent_exploded")
            #expect(response.status == 400, "\(response)")
            #expect(response.json["error"].string == "bad_request")
            #expect(response.json["message"].string?.contains("types") == true)
            #expect(response.json["message"].string?.contains("agent_exploded") == true)
        }
    }

    @Test func idleStreamGetsKeepaliveComments() async throws {
        try await TestHub.with(configure: { $0.eventKeepaliveInterval = .milliseconds(50) }) { hub in
            try await EventStream.with(hub.rest, "/api/crypto/events/") { stream in
                let keepalive = try await stream.messages.wait { $0.comment != nil }
                #expect(keepalive.comment == "keepalive")
                #expect(stream.events.isEmpty)
            }
        }
    }

    @Test func gracefulShutdownEndsOpenStreamsAndTheHubStops() async throws {
        try await TemporaryDirectory.with { directory in
            var configuration = HubConfiguration()
            configuration.grpcPort = 0
            configuration.httpPort = 0
            configuration.storePath = directory.path("hub.sqlite")
            configuration.bcryptCost = 4
            let hub = try await buildHub(configuration: configuration, logger: TestHub.logger)
            try await hub.addOperator(TestHub.admin, role: .viewer, password: TestHub.password)
            let group = ServiceGroup(services: [hub], logger: TestHub.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let rest = RESTClient(port: try await hub.httpPort, token: try await hub.token(for: TestHub.admin))
                try await EventStream.with(rest, "/api/crypto/events/") { stream in
                    #expect(stream.status == 200)
                    #expect(hub.events.subscriberCount == 1)
                    await group.triggerGracefulShutdown()
                    try await stream.ended.wait { _ in true }
                }
                // The group ends by itself, without an error, well before its shutdown budget.
                try await tasks.next()
            }
            #expect(hub.events.subscriberCount == 0)
        }
    }

    /// The top-level keys of an event's JSON, in the order they were sent.
    static func keys(of event: ServerSentEvent) -> [String] {
        guard let data = event.data else { return [] }
        let candidates = event.json.keys
        var found: [(String.Index, String)] = []
        for key in candidates {
            if let range = data.range(of: "\"\(key)\":") { found.append((range.lowerBound, key)) }
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static func isMillisecondTimestamp(_ text: String) -> Bool {
        text.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil
    }
}
