@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI
import CryptoAgent
import Foundation
import SwiftProtobuf
import Testing
import TestSupport
import Wire

/// What an agent connection can send that a well-behaved agent never would, over raw HTTP/2 to
/// a real hub: each is refused cleanly, costs the hub nothing lasting, and a real agent on the
/// same hub keeps being served throughout.
@Suite("Agent link: bad input and floods", .timeLimit(.minutes(2)))
struct AgentLinkInputTests {
    /// Runs `body` with a real agent connected next to whatever the test does; afterwards that
    /// agent still answers a ping and nothing is left pending.
    func withBystander(
        configure: (inout HubConfiguration) -> Void = { _ in }, _ body: (TestHub) async throws -> Void
    ) async throws {
        try await TestHub.with(configure: configure) { hub in
            let bystander = try TestAgents.make(TestAgents.configuration(name: "bystander", port: hub.grpcPort))
            try await TestAgents.with([bystander], connectedTo: hub) {
                try await body(hub)
                try await hub.expectPong(bystander.agentID, "the bystander is still served: ")
                #expect(hub.hub.dispatcher.pendingCount == 0)
            }
        }
    }

    @Test func bytesThatAreNotAnAgentMessageEndTheStreamWithInvalidArgument() async throws {
        try await self.withBystander { hub in
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            let stream = try await peer.openStream()
            try await stream.hello(agentID: UUID())
            try await stream.write(H2Stream.frame([0x00, 0x01, 0xFF]))  // field number 0 is no protobuf
            let status = try await stream.status()
            #expect(status.code == 3, "INVALID_ARGUMENT: \(status)")
            #expect(status.message.contains("not a valid AgentMessage"))
            await peer.close()
        }
    }

    @Test func aTruncatedMessageThenEndOfStreamEndsTheCallWithoutHarm() async throws {
        try await self.withBystander { hub in
            let agentID = UUID()
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            let stream = try await peer.openStream()
            try await stream.hello(agentID: agentID)
            // The prefix promises 100 bytes; 10 come, then the agent ends its side.
            try await stream.write(H2Stream.frame(Array(repeating: 0x08, count: 10), declaredLength: 100), endStream: true)
            let status = try await stream.status()
            #expect(status.code == 0, "the agent closed its side: \(status)")
            try await hub.waitForDisconnected(agentID)
            await peer.close()
        }
    }

    @Test func aMessageOfAnUnknownKindFromANewerAgentKeepsTheSession() async throws {
        try await self.withBystander { hub in
            let agentID = UUID()
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            let stream = try await peer.openStream()
            try await stream.hello(agentID: agentID)
            // Field 99, varint 1: a oneof case this hub does not know.
            try await stream.write(H2Stream.frame([0x98, 0x06, 0x01]))
            var heartbeat = Commandhub_V1_AgentMessage()
            heartbeat.heartbeat.status = .active
            try await stream.send(heartbeat)
            // Still connected: a command reaches it, and its ack answers the REST call.
            let call = Task { try await hub.rest.post("/api/crypto/commands/\(agentID.uuidString.lowercased())/ping/") }
            let command = try await stream.events.wait {
                if case .message(let message) = $0, case .command = message.kind { true } else { false }
            }
            guard case .message(let message) = command, case .command(let ping) = message.kind else { return }
            var ack = Commandhub_V1_AgentMessage()
            ack.ack.commandID = ping.commandID
            ack.ack.success = true
            ack.ack.message = "pong from the future"
            try await stream.send(ack)
            let answer = try await call.value
            #expect(answer.status == 200, "\(answer)")
            #expect(answer.json["command_result"]["message"].string == "pong from the future")
            await peer.close()
        }
    }

    @Test func aFloodOfAcksForCommandsNeverSentIsCutOff() async throws {
        try await self.withBystander { hub in
            let agentID = UUID()
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            let stream = try await peer.openStream()
            try await stream.hello(agentID: agentID)
            var bytes: [UInt8] = []
            for _ in 0..<1_000 {
                var ack = Commandhub_V1_AgentMessage()
                ack.ack.commandID = UUID().uuidString.lowercased()
                ack.ack.success = true
                bytes += H2Stream.frame(try ack.serializedBytes())
            }
            try await stream.write(bytes)
            let status = try await stream.status()
            #expect(status.code == 8, "RESOURCE_EXHAUSTED: \(status)")
            #expect(status.message.contains("acks for commands the hub did not send"))
            try await hub.waitForDisconnected(agentID)
            await peer.close()
        }
    }

    @Test func heartbeatsFarFasterThanAskedAreCutOff() async throws {
        try await self.withBystander { hub in
            let agentID = UUID()
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            let stream = try await peer.openStream()
            try await stream.hello(agentID: agentID)
            var heartbeat = Commandhub_V1_AgentMessage()
            heartbeat.heartbeat.status = .active
            let frame = H2Stream.frame(try heartbeat.serializedBytes())
            try await stream.write(Array((0..<1_000).map { _ in frame }.joined()))
            let status = try await stream.status()
            #expect(status.code == 8, "RESOURCE_EXHAUSTED: \(status)")
            #expect(status.message.contains("heartbeats"))
            await peer.close()
        }
    }

    @Test func aFloodOfWalletSnapshotsIsCutOff() async throws {
        try await self.withBystander { hub in
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            let stream = try await peer.openStream()
            try await stream.hello(agentID: UUID())
            var snapshot = Commandhub_V1_AgentMessage()
            snapshot.walletSnapshot.balances = (0..<20).map { index in
                var balance = Commandhub_V1_Balance()
                balance.asset = "C\(index)"
                balance.free = "1"
                return balance
            }
            let frame = H2Stream.frame(try snapshot.serializedBytes())
            // More than the flow-control window: the hub may end the stream before it all left.
            try? await stream.write(Array((0..<500).map { _ in frame }.joined()))
            let status = try await stream.status()
            #expect(status.code == 8, "RESOURCE_EXHAUSTED: \(status)")
            #expect(status.message.contains("wallet snapshots"))
            await peer.close()
        }
    }

    @Test func aFloodOfStreamsOnOneConnectionIsServedAtMostFourAtATimeAndAllEnd() async throws {
        try await self.withBystander(configure: { $0.helloTimeout = .milliseconds(500) }) { hub in
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            // One stream first: once the hub answered its headers, the SETTINGS exchange is done
            // (HTTP/2 lets a client exceed limits it has not seen yet).
            let first = try await peer.openStream()
            try await first.events.wait { if case .headers = $0 { true } else { false } }
            var streams = [first]
            for _ in 1..<40 { streams.append(try await peer.openStream(waitForWrite: false)) }
            // None says Hello: each ends by the Hello timeout, at most four at a time (the hub's
            // SETTINGS_MAX_CONCURRENT_STREAMS), so the flood ends in about ten timeouts.
            for stream in streams {
                let status = try await stream.status()
                #expect(status.code == 4, "DEADLINE_EXCEEDED: \(status)")
            }
            #expect(hub.hub.link.sessions.peak <= 5, "the bystander plus four: \(hub.hub.link.sessions.peak)")
            await peer.close()
        }
    }

    @Test func aFloodOfConnectionsThatNeverSayHelloIsClosedByTheHelloTimeout() async throws {
        try await self.withBystander(configure: { $0.helloTimeout = .seconds(1) }) { hub in
            var peers: [H2Peer] = []
            var streams: [H2Stream] = []
            for _ in 0..<100 {
                let peer = try await H2Peer.connect(port: hub.grpcPort)
                peers.append(peer)
                streams.append(try await peer.openStream())
            }
            for stream in streams {
                let status = try await stream.status()
                #expect(status.code == 4, "DEADLINE_EXCEEDED: \(status)")
            }
            for peer in peers { await peer.close() }
        }
    }

    @Test func aPeerThatStopsReadingIsDroppedByKeepaliveWhileItStillSends() async throws {
        try await self.withBystander(configure: {
            // A PING every 200 ms, but 10 s for its ack: the bystander's event loop shares two
            // busy cores with the whole suite and may answer late, never that late; the peer
            // that stopped reading never answers at all. Its heartbeats keep liveness satisfied,
            // so only the unanswered PING can end it.
            $0.keepaliveInterval = .milliseconds(200)
            $0.keepaliveTimeout = .seconds(10)
        }) { hub in
            let agentID = UUID()
            let peer = try await H2Peer.connect(port: hub.grpcPort)
            let stream = try await peer.openStream()
            try await stream.hello(agentID: agentID)
            try await peer.setReading(false)
            // It keeps sending heartbeats, so liveness by traffic would never notice.
            let beating = Task {
                var heartbeat = Commandhub_V1_AgentMessage()
                heartbeat.heartbeat.status = .active
                while !Task.isCancelled {
                    try? await stream.send(heartbeat)
                    try? await Task.sleep(for: .milliseconds(100))  // paces the sender, not a synchronisation
                }
            }
            defer { beating.cancel() }
            let started = ContinuousClock.now
            try await peer.connection.wait { $0 == "closed" }
            Measured.note(
                "peer stopped reading (keepalive 200 ms + 10 s): dropped after \(Measured.seconds(ContinuousClock.now - started))")
            try await hub.waitForDisconnected(agentID)
        }
    }
}
