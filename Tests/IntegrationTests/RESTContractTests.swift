import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import NIOHTTP1
import Testing
import TestSupport

/// Every endpoint of the REST contract existing clients call (paths, trailing slashes, JSON
/// shapes kept byte for byte), called over real HTTP against a real hub with real agents on
/// loopback HTTP/2; each response checked field by field against the contract's shapes.
@Suite("The REST contract existing clients call", .timeLimit(.minutes(2)))
struct RESTContractTests {
    @Test func listAndDetailHaveTheContractsFields() async throws {
        try await TestHub.with { hub in
            let agent = try TestAgents.make(
                TestAgents.configuration(name: "crypto-bot-001", port: hub.grpcPort, labels: ["venue": "binance"]))
            try await TestAgents.with([agent], connectedTo: hub) {
                let id = agent.agentID.uuidString.lowercased()
                // The agent syncs its wallets as soon as it is welcomed; once that landed the
                // fields below are settled.
                let wallets = try await hub.waitForFirstSync(agent.agentID)
                #expect(wallets > 0)

                let list = try await hub.rest.get("/api/crypto/commands/")
                #expect(list.status == 200)
                #expect(list.header("content-type")?.hasPrefix("application/json") == true)
                let row = list.json[0]
                #expect(list.json.array?.count == 1)
                #expect(row["client_id"].string == id)
                #expect(row["client_name"].string == "crypto-bot-001")
                #expect(row["connected"].bool == true)
                #expect(row["wallets_synced"].int == wallets)
                #expect(list.keysInOrder(["client_id", "client_name", "connected", "wallets_synced"]))

                let detail = try await hub.rest.get("/api/crypto/commands/\(id)/")
                #expect(detail.status == 200)
                let body = detail.json
                #expect(body["client_id"].string == id)
                #expect(body["client_name"].string == "crypto-bot-001")
                #expect(body["connected"].bool == true)
                // The Hello counts as the first heartbeat.
                #expect(body["last_heartbeat"].string != nil)
                #expect(body["metadata"]["version"].string == AgentVersion.current)
                #expect(body["metadata"]["exchange"].string == "paper")
                #expect(body["wallets_synced"].int == wallets)
                #expect(body["sync_requests"].int == 0, "the agent's own syncs are not requests")
                #expect(body["last_sync"].string != nil)
                #expect(body["labels"]["venue"].string == "binance")
                #expect(
                    detail.keysInOrder([
                        "client_id", "client_name", "connected", "last_heartbeat", "metadata", "wallets_synced", "sync_requests",
                        "last_sync",
                    ]))
            }
        }
    }

    @Test func pauseResumePingSyncAndStatusAnswerAsTheContractSays() async throws {
        try await TestHub.with { hub in
            let agent = try TestAgents.make(TestAgents.configuration(name: "crypto-bot-001", port: hub.grpcPort))
            try await TestAgents.with([agent], connectedTo: hub) {
                let base = "/api/crypto/commands/\(agent.agentID.uuidString.lowercased())"
                let id = agent.agentID.uuidString.lowercased()
                let wallets = try await hub.waitForFirstSync(agent.agentID)

                let pause = try await hub.rest.post("\(base)/pause/")
                #expect(pause.status == 200, "\(pause)")
                #expect(pause.json["client_id"].string == id)
                #expect(pause.json["client_name"].string == "crypto-bot-001")
                #expect(pause.json["connected"].bool == true)
                #expect(pause.json["command_result"]["success"].bool == true)
                #expect(pause.json["command_result"]["message"].string == "Client paused successfully")
                #expect(pause.json["command_result"]["current_status"].string == "PAUSED")
                #expect(
                    pause.keysInOrder(["client_id", "client_name", "connected", "command_result", "success", "message", "current_status"]))

                let status = try await hub.rest.post("\(base)/request_status/?include_stats=true")
                #expect(status.status == 200, "\(status)")
                #expect(status.json["command_result"]["success"].bool == true)
                #expect(status.json["command_result"]["current_status"].string == "PAUSED")
                #expect(
                    status.json["command_result"]["message"].string?.hasPrefix("Status: PAUSED, Wallets: \(wallets), Last sync: ") == true,
                    "\(status)")
                #expect(status.json["command_result"]["message"].string?.hasSuffix("Last sync: never") == false, "it synced on connect")
                #expect(status.json["command_result"]["report"]["stats"]["exchange"].string == "paper")

                let refusedSync = try await hub.rest.post("\(base)/sync_wallets/?symbols=BTC")
                #expect(refusedSync.status == 200, "a refusal is an answer, not a server error")
                #expect(refusedSync.json["command_result"]["success"].bool == false)
                #expect(refusedSync.json["command_result"]["error_code"].string == "paused")

                let resume = try await hub.rest.post("\(base)/resume/")
                #expect(resume.status == 200)
                #expect(resume.json["client_id"].string == id)
                #expect(resume.json["command_result"]["message"].string == "Client resumed successfully")
                #expect(resume.json["command_result"]["current_status"].string == "ACTIVE")

                let ping = try await hub.rest.post("\(base)/ping/")
                #expect(ping.status == 200)
                #expect(ping.json["ping"].string == "pong")
                #expect(ping.json["command_result"]["message"].string == "Pong received")
                #expect(ping.json["command_result"]["current_status"].string == "ACTIVE")
                #expect(ping.keysInOrder(["client_id", "ping", "command_result"]))

                let sync = try await hub.rest.post("\(base)/sync_wallets/?symbols=BTC,ETH,USDT")
                #expect(sync.status == 200, "\(sync)")
                #expect(sync.json["symbols"] == .array([.string("BTC"), .string("ETH"), .string("USDT")]))
                #expect(sync.json["command_result"]["success"].bool == true)
                #expect(sync.json["command_result"]["message"].string == "Wallet sync completed for 3 coins")
                let balances = sync.json["command_result"]["balances"].array ?? []
                #expect(balances.map { $0["asset"].string } == ["BTC", "ETH", "USDT"])
                #expect(balances.map { $0["free"].string } == ["1.5", "12.25", "25000"])
                #expect(sync.keysInOrder(["client_id", "symbols", "command_result"]))

                // The detail now shows the sync the agent reported in its ack's status.
                let detail = try await hub.rest.get("\(base)/")
                #expect(detail.json["connected"].bool == true)
            }
        }
    }

    @Test func bulkActionsReportPerAgentAndTotals() async throws {
        try await TestHub.with { hub in
            let agents = try (1...3).map { index in
                try TestAgents.make(
                    TestAgents.configuration(
                        name: "bot-\(index)", port: hub.grpcPort, labels: ["venue": index == 1 ? "binance" : "kraken"]
                    ))
            }
            try await TestAgents.with(agents, connectedTo: hub) {
                let pauseAll = try await hub.rest.post("/api/crypto/commands/pause_all/")
                #expect(pauseAll.status == 200, "\(pauseAll)")
                #expect(pauseAll.json["total"].int == 3)
                #expect(pauseAll.json["succeeded"].int == 3)
                #expect(pauseAll.json["failed"].int == 0)
                #expect(pauseAll.json["timed_out"].int == 0)
                let results = pauseAll.json["results"].array ?? []
                #expect(Set(results.compactMap { $0["client_id"].string }) == Set(agents.map { $0.agentID.uuidString.lowercased() }))
                for result in results {
                    #expect(result["success"].bool == true)
                    #expect(result["result"]["success"].bool == true)
                    #expect(result["result"]["message"].string == "Client paused successfully")
                }
                #expect(pauseAll.keysInOrder(["total", "results"]))

                let resumeOne = try await hub.rest.post("/api/crypto/commands/resume_all/?selector=venue=binance")
                #expect(resumeOne.status == 200)
                #expect(resumeOne.json["total"].int == 1)
                #expect(resumeOne.json["results"][0]["client_id"].string == agents[0].agentID.uuidString.lowercased())

                let syncAll = try await hub.rest.post("/api/crypto/commands/sync_all/?symbols=BTC,ETH")
                #expect(syncAll.status == 200)
                #expect(syncAll.json["total"].int == 3)
                // One agent is active and syncs; the two still paused refuse with a reason.
                #expect(syncAll.json["succeeded"].int == 1)
                #expect(syncAll.json["failed"].int == 2)
                let refused = (syncAll.json["results"].array ?? []).filter { $0["success"].bool == false }
                #expect(refused.allSatisfy { $0["result"]["error_code"].string == "paused" })
            }
        }
    }
}
