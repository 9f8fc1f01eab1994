import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import GRPCCore
import NIOCore
import ServiceLifecycle
import Testing
import TestSupport

/// Both listeners over TLS with certificates made at test time, and mutual TLS for agents:
/// real HTTPS and real gRPC over TLS on 127.0.0.1.
@Suite("TLS listeners", .timeLimit(.minutes(2)))
struct TLSTests {
    @Test func restServesHTTPSWithTheConfiguredCertificateAndRefusesPlaintext() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            try await TestHub.with(tls: certificates) { hub in
                #expect(hub.rest.base.hasPrefix("https://"))
                let me = try await hub.rest.get("/api/auth/me")
                #expect(me.status == 200, "\(me)")
                #expect(me.json["username"].string == TestHub.admin)

                // Plaintext HTTP to the TLS port gets no answer: the handshake fails and the
                // connection is closed.
                await #expect(throws: (any Error).self) { try await hub.rest.plaintext().get("/api/auth/me") }

                // A client that does not trust the test CA refuses the hub's certificate (it
                // retries the handshake until its connect timeout, hence a short one).
                try await RESTClient.withHTTPSClient(trusting: nil, connectTimeout: .seconds(1)) { stranger in
                    _ = await #expect(throws: (any Error).self) { try await hub.rest.with(tlsClient: stranger).get("/api/auth/me") }
                }

                // The listener still serves after the failed handshakes.
                #expect(try await hub.rest.get("/api/crypto/commands/").status == 200)
            }
        }
    }

    @Test func agentConnectsOverTLSAndAnswersAPingIssuedOverREST() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            try await TestHub.with(tls: certificates) { hub in
                // By IP address (checked against the certificate's IP names) and by DNS name.
                let byAddress = try TestAgents.make(
                    TestAgents.configuration(name: "tls-ip", port: hub.grpcPort, tls: certificates.agentTLS())
                )
                var named = TestAgents.configuration(name: "tls-dns", port: hub.grpcPort, tls: certificates.agentTLS())
                named.hubAddress = "localhost:\(hub.grpcPort)"
                let byName = try TestAgents.make(named)
                try await TestAgents.with([byAddress, byName], connectedTo: hub) {
                    for agent in [byAddress, byName] { try await hub.expectPong(agent.agentID) }
                }
            }
        }
    }

    @Test func plaintextAgentsAreRefusedAndNeverReachTheRegistry() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            try await TestHub.with(tls: certificates) { hub in
                let plaintext = RawAgent(port: hub.grpcPort)
                plaintext.sendHello()
                let ending = await plaintext.ending()
                #expect((ending as? RPCError)?.code == .unavailable, "\(String(describing: ending))")
                #expect(!hub.registryEvents.events.contains { Self.agentID(of: $0) == plaintext.agentID })
                #expect(hub.hub.registry.all().isEmpty)
            }
        }
    }

    @Test func agentChecksTheHubsCertificateForTheServerNameItExpects() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            // A hub certificate naming only `hub.commandhub.test`, no IP address.
            try await TestHub.with(
                tls: certificates,
                configure: {
                    $0.tlsCertificateFile = certificates.namedServerCertificateFile
                    $0.tlsKeyFile = certificates.namedServerKeyFile
                }
            ) { hub in
                func agent(_ name: String, serverName: String?) throws -> Agent {
                    var tls = certificates.agentTLS()
                    tls.serverName = serverName
                    return try TestAgents.make(TestAgents.configuration(name: name, port: hub.grpcPort, tls: tls))
                }
                let expecting = try agent("expecting-the-name", serverName: TestCertificates.hubName)
                let otherName = try agent("expecting-another-name", serverName: "other.commandhub.test")
                let byAddress = try agent("expecting-the-address", serverName: nil)
                try await Self.expectRefusedRepeatedly(otherName)
                try await Self.expectRefusedRepeatedly(byAddress)
                // (`hub.rest` cannot be used here: it checks for 127.0.0.1, which this certificate lacks.)
                try await TestAgents.with([expecting], connectedTo: hub) {
                    #expect(hub.hub.registry.connected().map(\.agentID) == [expecting.agentID])
                }
                let refused = [otherName.agentID, byAddress.agentID]
                #expect(!hub.registryEvents.events.contains { Self.agentID(of: $0).map(refused.contains) ?? false })
            }
        }
    }

    @Test func withMutualTLSOnlyAgentsPresentingACertificateFromTheCAConnect() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            try await TestHub.with(tls: certificates, configure: { $0.grpcClientCAFile = certificates.caFile }) { hub in
                let trusted = try TestAgents.make(
                    TestAgents.configuration(name: "trusted", port: hub.grpcPort, tls: certificates.agentTLS(.trusted))
                )
                try await TestAgents.with([trusted], connectedTo: hub) {
                    // One attempt each, at the gRPC level: the call fails, nothing is registered.
                    var refusedIDs: [UUID] = []
                    for identity in [TestCertificates.ClientIdentity.none, .untrusted] {
                        let raw = RawAgent(port: hub.grpcPort, security: certificates.rawAgentSecurity(identity))
                        raw.sendHello()
                        let ending = await raw.ending()
                        #expect((ending as? RPCError)?.code == .unavailable, "\(identity): \(String(describing: ending))")
                        refusedIDs.append(raw.agentID)
                    }
                    // Real agents, which keep retrying with backoff: refused every time.
                    for identity in [TestCertificates.ClientIdentity.none, .untrusted] {
                        let agent = try TestAgents.make(
                            TestAgents.configuration(name: "refused", port: hub.grpcPort, tls: certificates.agentTLS(identity))
                        )
                        try await Self.expectRefusedRepeatedly(agent)
                        refusedIDs.append(agent.agentID)
                    }
                    #expect(!hub.registryEvents.events.contains { Self.agentID(of: $0).map(refusedIDs.contains) ?? false })
                    #expect(hub.hub.registry.all().map(\.agentID) == [trusted.agentID])

                    // The trusted agent was not disturbed by any of it.
                    try await hub.expectPong(trusted.agentID)
                }
            }
        }
    }

    @Test func gracefulShutdownEndsTLSStreamsWithAClearStatus() async throws {
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            var configuration = HubConfiguration()
            configuration.grpcPort = 0
            configuration.httpPort = 0
            configuration.agentTokens = [TestHub.token]
            configuration.storePath = directory.path("hub.sqlite")
            configuration.tlsCertificateFile = certificates.serverCertificateFile
            configuration.tlsKeyFile = certificates.serverKeyFile
            configuration.grpcClientCAFile = certificates.caFile
            // A grace period far longer than the shutdown takes: a hub that waited for its
            // connections' TLS close instead of closing them would end only after it.
            configuration.shutdownGracePeriod = .seconds(60)
            let hub = try await buildHub(configuration: configuration, logger: TestHub.logger)
            let events = EventLog<RegistryEvent>()
            hub.registry.observe(events.append)
            let group = ServiceGroup(services: [hub], logger: TestHub.logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let agent = RawAgent(port: try await hub.grpcPort, security: certificates.rawAgentSecurity(.trusted))
                agent.sendHello()
                try await events.wait { if case .connected = $0 { true } else { false } }
                let started = ContinuousClock.now
                await group.triggerGracefulShutdown()
                let error = try #require(await agent.ending() as? RPCError)
                #expect(error.code == .unavailable)
                #expect(error.message == "The hub is shutting down")
                // The group ends by itself, without an error, and without waiting out the grace period.
                try await tasks.next()
                #expect(ContinuousClock.now - started < .seconds(30), "well before the 60 s grace period")
            }
        }
    }

    /// Runs `agent` until its link has been refused twice (so it did retry), then stops it; it
    /// must never have been welcomed.
    static func expectRefusedRepeatedly(_ agent: Agent) async throws {
        let links = EventLog<LinkEvent>()
        agent.link.observe(links.append)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await agent.run() }
            defer { group.cancelAll() }
            for _ in 1...2 {
                try await links.wait(after: links.count) { if case .disconnected = $0 { true } else { false } }
            }
        }
        let welcomed = links.events.contains { $0.isConnected }
        #expect(!welcomed, "\(agent.configuration.name) was welcomed")
    }

    static func agentID(of event: RegistryEvent) -> UUID? {
        switch event {
        case .connected(let snapshot, _), .updated(let snapshot), .disconnected(let snapshot, _): snapshot.agentID
        }
    }
}
