import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import NIOHTTP1
import GRPCCore
import Testing
import TestSupport
import Wire

/// Malformed requests and misbehaving agents get a clear error, and the hub keeps serving
/// everyone else.
@Suite("Bad input", .timeLimit(.minutes(2)))
struct BadInputTests {
    @Test func unknownClientIs404WithTheErrorBody() async throws {
        try await TestHub.with { hub in
            let id = UUID().uuidString.lowercased()
            for response in [
                try await hub.rest.get("/api/crypto/commands/\(id)/"),
                try await hub.rest.post("/api/crypto/commands/\(id)/pause/"),
            ] {
                #expect(response.status == 404, "\(response)")
                #expect(response.json["error"].string == "client_not_found")
                #expect(response.json["message"].string == "Client \(id) not found")
                #expect(response.json["detail"].string != nil)
                #expect(response.json.keys == ["error", "message", "detail"])
            }
        }
    }

    @Test(arguments: [
        ("/api/crypto/commands/not-a-uuid/", "GET", "client_id"),
        ("/api/crypto/commands/not-a-uuid/pause/", "POST", "client_id"),
        ("/api/crypto/commands/\(String(repeating: "a", count: 5000))/ping/", "POST", "client_id"),
        ("/api/crypto/commands/{id}/request_status/?include_stats=maybe", "POST", "include_stats"),
        ("/api/crypto/commands/{id}/ping/?timeout=-1", "POST", "timeout"),
        ("/api/crypto/commands/{id}/ping/?timeout=abc", "POST", "timeout"),
        ("/api/crypto/commands/{id}/ping/?timeout=100000", "POST", "timeout"),
        // Found by the fuzz harness: past Int64 milliseconds the conversion trapped, killing the hub.
        ("/api/crypto/commands/{id}/ping/?timeout=1e300", "POST", "timeout"),
        ("/api/crypto/commands/{id}/ping/?timeout=1&timeout=2", "POST", "timeout"),
        ("/api/crypto/commands/{id}/sync_wallets/?symbols=BTC,,ETH", "POST", "symbols"),
        ("/api/crypto/commands/{id}/sync_wallets/?symbols=B%20TC", "POST", "symbols"),
        ("/api/crypto/commands/pause_all/?selector=%3D%3Dx", "POST", "selector"),
        ("/api/crypto/commands/pause_all/?max_concurrency=0", "POST", "max_concurrency"),
        ("/api/crypto/commands/resume_all/?client_ids=nope", "POST", "client_ids"),
        ("/api/crypto/commands/?include_offline=perhaps", "GET", "include_offline"),
    ])
    func malformedInputIs400NamingTheParameter(path: String, method: String, parameter: String) async throws {
        try await TestHub.with { hub in
            let agent = RawAgent(port: hub.grpcPort)
            agent.sendHello()
            try await hub.waitForConnected(agent.agentID)
            let resolved = path.replacingOccurrences(of: "{id}", with: agent.agentID.uuidString.lowercased())
            let response = try await hub.rest.send(method == "GET" ? .GET : .POST, resolved)
            #expect(response.status == 400, "\(response)")
            #expect(response.json["error"].string == "bad_request")
            #expect(response.json["message"].string?.hasPrefix("Invalid \(parameter):") == true, "\(response)")
            #expect(hub.hub.dispatcher.pendingCount == 0, "nothing was sent")
        }
    }

    @Test func unknownPathsAndMethodsAnswerInTheSameErrorShape() async throws {
        try await TestHub.with { hub in
            let unknown = try await hub.rest.get("/api/crypto/nothing-here/")
            #expect(unknown.status == 404)
            #expect(unknown.json["error"].string == "not_found")
            let wrongMethod = try await hub.rest.send(.DELETE, "/api/crypto/commands/")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.json["error"].string == "method_not_allowed")
            #expect(wrongMethod.header("allow") == "GET")
            let getOnAction = try await hub.rest.get("/api/crypto/commands/\(UUID().uuidString.lowercased())/pause/")
            #expect(getOnAction.status == 405)
            #expect(getOnAction.header("allow") == "POST")
        }
    }

    @Test func anAgentWithoutAValidTokenIsRefusedBeforeAnythingIsRead() async throws {
        try await TestHub.with { hub in
            for token in [nil, "wrong-token"] as [String?] {
                let agent = RawAgent(port: hub.grpcPort, token: token)
                agent.sendHello()
                let error = try #require(await agent.ending() as? RPCError)
                #expect(error.code == .unauthenticated)
            }
            #expect(hub.hub.registry.connectedCount == 0)
            #expect(hub.registryEvents.events.isEmpty)
        }
    }

    @Test func anAgentWhoseFirstMessageIsNotHelloIsRefusedAndOthersAreUnaffected() async throws {
        try await TestHub.with { hub in
            let good = try TestAgents.make(TestAgents.configuration(name: "good", port: hub.grpcPort))
            try await TestAgents.with([good], connectedTo: hub) {
                let bad = RawAgent(port: hub.grpcPort)
                var heartbeat = Commandhub_V1_AgentMessage()
                heartbeat.heartbeat = .init()
                bad.send(heartbeat)
                let error = try #require(await bad.ending() as? RPCError)
                #expect(error.code == .failedPrecondition)
                #expect(error.message == "The first message must be Hello, got heartbeat")
                try await hub.expectPong(good.agentID)
            }
        }
    }

    @Test func aHelloWithAMalformedAgentIdIsRefused() async throws {
        try await TestHub.with { hub in
            let bad = RawAgent(port: hub.grpcPort)
            var message = Commandhub_V1_AgentMessage()
            message.hello.agentID = "not-a-uuid"
            message.hello.name = "bad"
            bad.send(message)
            let error = try #require(await bad.ending() as? RPCError)
            #expect(error.code == .invalidArgument)
            #expect(error.message.contains("agent_id must be a UUID"))
            #expect(hub.hub.registry.connectedCount == 0)
        }
    }

    @Test func anOversizedMessageEndsOnlyThatStream() async throws {
        try await TestHub.with(configure: { $0.maxAgentMessageBytes = 64 * 1024 }) { hub in
            let good = try TestAgents.make(TestAgents.configuration(name: "good", port: hub.grpcPort))
            try await TestAgents.with([good], connectedTo: hub) {
                let bad = RawAgent(port: hub.grpcPort)
                bad.sendHello(name: "bloated")
                try await hub.waitForConnected(bad.agentID)
                var snapshot = Commandhub_V1_AgentMessage()
                snapshot.walletSnapshot.balances = (0..<10_000).map { index in
                    var balance = Commandhub_V1_Balance()
                    balance.asset = "COIN\(index)"
                    balance.free = "1234567890.0123456789"
                    return balance
                }
                bad.send(snapshot)
                // The hub reads the declared length and refuses the message before buffering it.
                let error = try #require(await bad.ending() as? RPCError)
                #expect(error.code == .resourceExhausted, "\(error)")
                #expect(error.message.contains("exceeds the maximum of 65536 bytes"), "\(error)")
                try await hub.waitForDisconnected(bad.agentID)
                let reason = hub.registryEvents.events.compactMap { event -> String? in
                    if case .disconnected(let snapshot, let reason) = event, snapshot.agentID == bad.agentID { return reason }
                    return nil
                }.first
                #expect(reason?.hasPrefix("Message of") == true, "\(reason ?? "no reason")")
                try await hub.expectPong(good.agentID)
            }
        }
    }

    @Test func aHelloThatTakesTooLongEndsTheStream() async throws {
        try await TestHub.with(configure: { $0.helloTimeout = .milliseconds(200) }) { hub in
            let mute = RawAgent(port: hub.grpcPort)
            let error = try #require(await mute.ending() as? RPCError)
            #expect(error.code == .deadlineExceeded)
            #expect(error.message.contains("No Hello"))
        }
    }
}
