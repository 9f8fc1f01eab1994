import AgentSwarm
import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import Foundation
import NIOPosix
import Testing
import TestSupport

extension HeavySuites {
    /// A small run of the benchmark's swarm and load driver against a real hub, so the benchmark
    /// cannot rot: 200 agents over real HTTP/2, a few hundred REST commands, one bulk action.
    @Suite("Swarm smoke", .timeLimit(.minutes(2)))
    struct SwarmSmokeTests {
        @Test func twoHundredAgentsAnswerEveryCommandAndEveryBulkAck() async throws {
            try await TestHub.with(configure: { $0.agentTokens = ["swarm-token"] }) { hub in
                let group = MultiThreadedEventLoopGroup.singleton
                let swarm = Swarm(count: 200, settings: Swarm.Settings(port: hub.grpcPort, token: "swarm-token"), group: group)
                swarm.start()
                await swarm.waitForConnected(200)
                #expect(hub.hub.registry.connectedCount == 200)

                let paths = swarm.agentIDs.prefix(50).map { "/api/crypto/commands/\($0.uuidString.lowercased())/ping/" }
                let load = try await RESTLoad.run(
                    port: hub.httpPort, paths: paths, connections: 8, requests: 400, token: hub.rest.token, group: group)
                #expect(load.statuses == [200: 400])
                #expect(load.failures == 0)
                #expect(load.latencies.count == 400)

                let before = swarm.answeredCount
                let bulk = try await hub.rest.post("/api/crypto/commands/pause_all/?selector=swarm=true&timeout=30")
                #expect(bulk.json["total"].int == 200)
                #expect(bulk.json["succeeded"].int == 200)
                #expect(swarm.answeredCount - before == 200)
                await swarm.stop()
            }
        }
    }
}
