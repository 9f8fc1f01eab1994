import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import Foundation
import NIOCore
import NIOPosix
import Testing
import TestSupport

/// What a REST client can send that a well-behaved one never would, over real sockets: each is
/// a clear 4xx (or a closed connection), memory stays bounded, and other callers keep being
/// answered.
@Suite("REST: bad input and slow clients", .timeLimit(.minutes(2)))
struct RESTInputTests {
    @Test func malformedJSONAndWrongTypesAre400NamingTheField() async throws {
        try await TestHub.with { hub in
            let id = UUID().uuidString.lowercased()
            for (body, field) in [
                ("{", "body"), ("[]", "body"), (#"{"asset": 1, "quantity": "1"}"#, "asset"),
                (#"{"asset": "BTC", "quantity": 0.25}"#, "quantity"), (#"{"asset": "BTC", "quantity": "1", "preview": "yes"}"#, "preview"),
                (#"{"asset": "BTC", "quantity": "1", "extra": true}"#, "extra"), ("\u{0}\u{1}\u{2}", "body"),
            ] {
                let response = try await hub.rest.post("/api/crypto/commands/\(id)/sell/", body: body)
                #expect(response.status == 400, "\(body): \(response)")
                #expect(response.json["message"].string?.hasPrefix("Invalid \(field)") == true, "\(body): \(response)")
            }
        }
    }

    @Test func aHugeBodyIs413AndTheHubStaysUp() async throws {
        try await TestHub.with { hub in
            let huge = String(repeating: "x", count: 2 << 20)
            let response = try await hub.rest.post("/api/crypto/commands/\(UUID().uuidString.lowercased())/sell/", body: huge)
            #expect(response.status == 413, "\(response)")
            #expect(response.json["error"].string == "payload_too_large")
            #expect(try await hub.rest.get("/api/crypto/commands/").status == 200)
        }
    }

    @Test func traversalLongIdsAndOddPathsAreClearErrors() async throws {
        try await TestHub.with { hub in
            for path in [
                "/api/crypto/commands/../../../etc/passwd", "/api/crypto/commands/%2e%2e%2f%2e%2e%2fetc%2fpasswd/",
                "/api/crypto/commands/\(String(repeating: "a", count: 20_000))/",
                "/api/crypto/history/\(String(repeating: "9", count: 5_000))/",
                "/api/crypto/commands/%00/",
            ] {
                let response = try await hub.rest.get(path)
                #expect([400, 404, 414, 431].contains(response.status), "\(path.prefix(80)): \(response)")
                #expect(!response.text.contains("root:"), "nothing is read from the file system")
            }
            #expect(try await hub.rest.get("/api/crypto/commands/").status == 200)
        }
    }

    @Test func aFloodOfHeadersIsRefusedAndOthersAreServed() async throws {
        try await TestHub.with { hub in
            let many = (0..<500).map { ("x-flood-\($0)", String(repeating: "v", count: 100)) }
            let flooded = try? await hub.rest.get("/api/crypto/commands/", headers: many)
            let floodedRefused = flooded.map { $0.status >= 400 && $0.status < 500 } ?? true
            #expect(floodedRefused, "refused or the connection closed: \(String(describing: flooded))")
            let huge = try? await hub.rest.get("/api/crypto/commands/", headers: [("x-huge", String(repeating: "h", count: 100_000))])
            let hugeRefused = huge.map { $0.status >= 400 && $0.status < 500 } ?? true
            #expect(hugeRefused, "\(String(describing: huge))")
            let after = try await hub.rest.get("/api/crypto/commands/")
            #expect(after.status == 200)
        }
    }

    /// Slowloris: connections that send a request head a few bytes at a time are closed within
    /// the request timeout, whatever they send, while normal callers are answered meanwhile.
    @Test func slowClientsAreCutOffWithinTheRequestTimeoutAndOthersAreServed() async throws {
        try await TestHub.with(configure: { $0.httpRequestTimeout = .milliseconds(500) }) { hub in
            let group = MultiThreadedEventLoopGroup.singleton
            var opened: [any Channel] = []
            for _ in 0..<50 {
                let channel = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: hub.httpPort).get()
                // Not awaited: on a loaded machine the hub may already have cut this one off by the
                // time the write runs — which is the behaviour under test, not a failure.
                channel.writeAndFlush(channel.allocator.buffer(string: "POST /api/crypto/commands/ HTTP/1.1\r\nHost: h"), promise: nil)
                opened.append(channel)
            }
            let slow = opened
            // A byte every 100 ms until they are cut off would keep any idle timer alive for
            // ever: only the request's 0.5 s deadline can close these connections.
            let trickle = Task {
                var round = 0
                while !Task.isCancelled, slow.contains(where: \.isActive) {
                    for channel in slow where channel.isActive {
                        channel.writeAndFlush(channel.allocator.buffer(string: "\(round % 10)"), promise: nil)
                    }
                    round += 1
                    try? await Task.sleep(for: .milliseconds(100))  // paces the trickle, not a synchronisation
                }
            }
            defer { trickle.cancel() }
            #expect(try await hub.rest.get("/api/crypto/commands/").status == 200, "served while slow clients hang on")
            for channel in slow { try await channel.closeFuture.get() }
        }
    }

    @Test func connectionsPastTheLimitAreClosedOnArrival() async throws {
        try await TestHub.with(configure: { $0.httpMaxConnections = 8 }) { hub in
            let group = MultiThreadedEventLoopGroup.singleton
            var open: [any Channel] = []
            for _ in 0..<8 { open.append(try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: hub.httpPort).get()) }
            let extra = try await ClientBootstrap(group: group).connect(host: "127.0.0.1", port: hub.httpPort).get()
            try await extra.closeFuture.get()
            for channel in open { try? await channel.close() }
            // Freed slots take new connections again: once the closes are counted, the next
            // connection is served.
            await hub.hub.httpConnections.waitForRoom()
            #expect(try await hub.rest.get("/api/crypto/commands/").status == 200)
        }
    }
}
