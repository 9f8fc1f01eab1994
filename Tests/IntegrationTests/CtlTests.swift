import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import CryptoAgent
import Foundation
import Testing
import TestSupport

/// `commandhub ctl`, the real binary, against a real in-process hub and agents.
@Suite("commandhub ctl", .timeLimit(.minutes(3)))
struct CtlTests {
    /// One finished run of the binary: its exit status and its output, stdout and stderr apart.
    struct Run: CustomStringConvertible {
        let status: Int32
        let stdout: [String]
        let stderr: [String]

        var output: String { self.stdout.joined(separator: "\n") }
        /// The one JSON document a `--json` command printed.
        var json: JSONValue { JSONValue.parse(self.output) }
        var description: String { "exit \(self.status)\nstdout:\n\(self.output)\nstderr:\n\(self.stderr.joined(separator: "\n"))" }
    }

    /// Runs `commandhub ctl` against one hub, with its own login file and no inherited settings.
    struct Ctl {
        let url: String
        let directory: TemporaryDirectory
        var token: String?

        var configPath: String { self.directory.path("config/ctl.json") }

        var environment: [String: String] {
            [
                "COMMANDHUB_CTL_CONFIG": self.configPath, "COMMANDHUB_URL": self.url, "COMMANDHUB_TOKEN": self.token ?? "",
                "HOME": self.directory.url.path, "XDG_CONFIG_HOME": "",
            ]
        }

        func start(_ arguments: [String], input: String = "") throws -> ChildProcess {
            try ChildProcess(
                executable: "commandhub", arguments: ["ctl"] + arguments, environment: self.environment, input: input, separateErrors: true
            )
        }

        func run(_ arguments: [String], input: String = "") async throws -> Run {
            let child = try self.start(arguments, input: input)
            let status = try await child.exitStatus()
            try await child.waitForEnd()
            return Run(status: status, stdout: child.lines.events, stderr: child.errorLines.events)
        }
    }

    /// A hub, a ctl bound to it (with the admin's token in the environment) and agents connected.
    func with(
        agents names: [(String, [String: String])], _ body: (TestHub, Ctl, [String]) async throws -> Void
    ) async throws {
        try await TestHub.with { hub in
            try await TemporaryDirectory.with { directory in
                let agents = try names.map { try TestAgents.make(TestAgents.configuration(name: $0.0, port: hub.grpcPort, labels: $0.1)) }
                let ctl = Ctl(url: "http://127.0.0.1:\(hub.httpPort)", directory: directory, token: hub.rest.token)
                try await TestAgents.with(agents, connectedTo: hub) {
                    try await body(hub, ctl, agents.map { $0.agentID.uuidString.lowercased() })
                }
            }
        }
    }

    @Test func loginSavesTheTokenPrivatelyAndClientsListPrintsATableOrTheHubsJSON() async throws {
        try await self.with(agents: [("desk-bot", ["desk": "spot"])]) { hub, ctl, ids in
            var ctl = ctl
            ctl.token = nil
            let login = try await ctl.run(["login", "--username", TestHub.admin, "--password-stdin"], input: TestHub.password + "\n")
            #expect(login.status == 0, "\(login)")
            #expect(login.output.contains("Logged in to \(ctl.url) as \(TestHub.admin)"))
            let attributes = try FileManager.default.attributesOfItem(atPath: ctl.configPath)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let saved = JSONValue.parse(try String(contentsOfFile: ctl.configPath, encoding: .utf8))
            #expect(saved.keys == ["url", "username", "token", "expires_at"])
            #expect(saved["url"].string == ctl.url && saved["username"].string == TestHub.admin)

            let table = try await ctl.run(["clients", "list"])
            #expect(table.status == 0, "\(table)")
            #expect(table.stdout.first?.hasPrefix("CLIENT ID") == true, "\(table)")
            #expect(
                table.stdout.contains {
                    $0.contains(ids[0]) && $0.contains("desk-bot") && $0.contains("ACTIVE") && $0.contains("desk=spot")
                })

            let json = try await ctl.run(["clients", "list", "--json"])
            #expect(json.status == 0 && json.stdout.count == 1, "\(json)")
            // Heartbeat times may move between the two reads; everything else is byte for byte.
            let direct = try await hub.rest.get("/api/crypto/commands/").text
            let heartbeat = /"last_heartbeat":("[^"]*"|null)/
            #expect(json.output.replacing(heartbeat, with: "") == direct.replacing(heartbeat, with: ""), "the hub's JSON, unchanged")

            let shown = try await ctl.run(["clients", "show", ids[0]])
            #expect(shown.output.contains("client_name") && shown.output.contains("desk-bot"), "\(shown)")

            #expect(try await ctl.run(["logout"]).status == 0)
            #expect(!FileManager.default.fileExists(atPath: ctl.configPath))
            let loggedOut = try await ctl.run(["clients", "list"])
            #expect(loggedOut.status == 3, "\(loggedOut)")
            #expect(loggedOut.stderr.count == 1 && loggedOut.stderr[0].contains("commandhub ctl login"), "\(loggedOut)")
        }
    }

    @Test func pauseThenStatusShowsPausedAndSelectorsReachOnlyTheirAgents() async throws {
        try await self.with(agents: [("spot-bot", ["desk": "spot"]), ("otc-bot", ["desk": "otc"])]) { _, ctl, ids in
            let pause = try await ctl.run(["pause", ids[0]])
            #expect(pause.status == 0, "\(pause)")
            #expect(pause.output.contains("spot-bot") && pause.output.contains("ok") && pause.output.contains("PAUSED"))

            let status = try await ctl.run(["status", ids[0], "--json"])
            #expect(status.status == 0, "\(status)")
            #expect(status.json["command_result"]["current_status"].string == "PAUSED")
            #expect(status.json["command_result"]["report"]["status"].string == "PAUSED")

            let bulk = try await ctl.run(["pause", "--selector", "desk=otc", "--json"])
            #expect(bulk.status == 0, "\(bulk)")
            #expect(bulk.json["targeted"].int == 1 && bulk.json["succeeded"].int == 1)
            #expect(bulk.json["results"][0]["client_id"].string == ids[1])

            let resumed = try await ctl.run(["resume", "--all"])
            #expect(resumed.status == 0, "\(resumed)")
            #expect(resumed.stdout.first?.contains("2 targeted, 2 succeeded") == true, "\(resumed)")

            let pings = try await ctl.run(["ping", "--selector", "desk=spot", "--json"])
            #expect(pings.status == 0, "\(pings)")
            #expect(pings.json["total"].int == 1 && pings.json["succeeded"].int == 1)
            #expect(pings.json["results"][0]["client_id"].string == ids[0])
            #expect(pings.json["results"][0]["response"]["ping"].string == "pong")

            let statuses = try await ctl.run(["status", "--all", "--token", ctl.token ?? ""])
            #expect(statuses.status == 0, "\(statuses)")
            #expect(statuses.output.contains("2 targeted, 2 succeeded"))
            #expect(statuses.stdout.filter { $0.contains("ACTIVE") }.count == 2, "\(statuses)")
        }
    }

    @Test func sellPreviewsThenExecutesWithYesAndARetryWithThePrintedKeySellsOnce() async throws {
        try await self.with(agents: [("seller", [:])]) { _, ctl, ids in
            let preview = try await ctl.run(["sell", ids[0], "--asset", "BTC", "--quantity", "0.25", "--preview", "--json"])
            #expect(preview.status == 0 && preview.stdout.count == 1, "\(preview)")
            #expect(preview.json["command_result"]["preview"]["net"].string == "10770.593625")

            let people = try await ctl.run(["sell", ids[0], "--asset", "BTC", "--quantity", "0.25", "--preview"])
            #expect(people.output.contains("PREVIEW") && people.output.contains("10770.593625"), "\(people)")

            let execute = try await ctl.run(["sell", ids[0], "--asset", "BTC", "--quantity", "0.25", "--yes", "--json"])
            #expect(execute.status == 0 && execute.stdout.count == 2, "preview, then the fill: \(execute)")
            let fill = JSONValue.parse(execute.stdout[1])["command_result"]["fill"]
            #expect(fill["net"].string == "10770.593625")
            let keyLine = try #require(execute.stderr.first { $0.hasPrefix("Idempotency-Key: ") }, "\(execute)")
            let key = String(keyLine.dropFirst("Idempotency-Key: ".count).prefix { $0 != " " })

            let retry = try await ctl.run([
                "sell", ids[0], "--asset", "BTC", "--quantity", "0.25", "--yes", "--json", "--idempotency-key", key,
            ])
            #expect(retry.status == 0, "\(retry)")
            #expect(retry.stdout.last == execute.stdout.last, "the retry gets the first execution's answer")

            let history = try await ctl.run(["history", "--action", "sell", "--client", ids[0], "--json"])
            #expect(history.status == 0 && history.stdout.count == 1, "\(history)")
            let executions = history.json["items"].array?.filter { $0["parameters"]["preview"].bool == false } ?? []
            #expect(executions.count == 1)
            #expect(executions.first?["idempotency_key"].string == key)

            let noTerminal = try await ctl.run(["sell", ids[0], "--asset", "BTC", "--quantity", "0.1"])
            #expect(noTerminal.status == 2, "without a terminal, executing needs --yes: \(noTerminal)")
        }
    }

    @Test func historyFollowsCursorsAcrossPages() async throws {
        try await self.with(agents: [("pinged", [:])]) { _, ctl, ids in
            for _ in 0..<3 { #expect(try await ctl.run(["ping", ids[0]]).status == 0) }
            let pages = try await ctl.run(["history", "--client", ids[0], "--limit", "1", "--all-pages", "--json"])
            #expect(pages.status == 0, "\(pages)")
            #expect(pages.stdout.count == 3, "one page per command: \(pages)")
            #expect(pages.stdout.map { JSONValue.parse($0)["items"][0]["action"].string } == ["ping", "ping", "ping"])

            let one = try await ctl.run(["history", "--client", ids[0], "--limit", "2"])
            #expect(one.stdout.count == 3, "a header and two rows: \(one)")
            #expect(one.stderr.contains { $0.hasPrefix("more: --cursor ") }, "\(one)")
        }
    }

    @Test func failuresExitWithTheirDocumentedCodesAndOneLineOnStandardError() async throws {
        try await self.with(agents: [("known", [:])]) { hub, ctl, ids in
            let unknown = UUID().uuidString.lowercased()
            let missing = try await ctl.run(["clients", "show", unknown])
            #expect(missing.status == 4, "\(missing)")
            #expect(missing.stderr.count == 1 && missing.stderr[0].contains("client_not_found"), "\(missing)")

            let missingJSON = try await ctl.run(["pause", unknown, "--json"])
            #expect(missingJSON.status == 4, "\(missingJSON)")
            #expect(missingJSON.stderr.count == 1 && JSONValue.parse(missingJSON.stderr[0])["error"].string == "client_not_found")

            let badToken = try await ctl.run(["clients", "list", "--token", "not-a-token"])
            #expect(badToken.status == 3, "\(badToken)")
            #expect(badToken.stderr.count == 1 && badToken.stderr[0].contains("unauthenticated"))

            try await hub.hub.addOperator("reader", role: .viewer, password: TestHub.password)
            let viewer = try await ctl.run(["pause", ids[0], "--token", try await hub.hub.token(for: "reader")])
            #expect(viewer.status == 3, "a viewer may not pause: \(viewer)")

            #expect(try await ctl.run(["pause"]).status == 2, "no target")
            #expect(try await ctl.run(["pause", ids[0], "--all"]).status == 2, "two targets")
            #expect(try await ctl.run(["history", "--state", "exploded"]).status == 2, "the hub's 400")

            let unreachable = try await ctl.run(["clients", "list", "--url", "http://127.0.0.1:1"])
            #expect(unreachable.status == 69, "\(unreachable)")
            #expect(unreachable.stderr.count == 1, "\(unreachable)")
        }
    }

    @Test func agentThatWentAwayExits5() async throws {
        try await TestHub.with { hub in
            try await TemporaryDirectory.with { directory in
                let agent = try TestAgents.make(TestAgents.configuration(name: "leaving", port: hub.grpcPort))
                try await TestAgents.with([agent], connectedTo: hub) {}
                try await hub.waitForDisconnected(agent.agentID)
                let ctl = Ctl(url: "http://127.0.0.1:\(hub.httpPort)", directory: directory, token: hub.rest.token)
                let ping = try await ctl.run(["ping", agent.agentID.uuidString.lowercased()])
                #expect(ping.status == 5, "\(ping)")
                #expect(ping.stderr.count == 1 && ping.stderr[0].contains("client_not_connected"), "\(ping)")
            }
        }
    }

    @Test func watchJSONPrintsTheEventsOfActionsDoneMeanwhile() async throws {
        try await TestHub.with { hub in
            try await TemporaryDirectory.with { directory in
                let ctl = Ctl(url: "http://127.0.0.1:\(hub.httpPort)", directory: directory, token: hub.rest.token)
                let watch = try ctl.start(["watch", "--json", "--types", "agent_connected,command_finished"])
                try await watch.errorLines.wait { $0.hasPrefix("watching ") }

                let agent = try TestAgents.make(TestAgents.configuration(name: "watched", port: hub.grpcPort))
                let id = agent.agentID.uuidString.lowercased()
                try await TestAgents.with([agent], connectedTo: hub) {
                    #expect(try await hub.rest.post("/api/crypto/commands/\(id)/ping/").status == 200)
                    let finished = try await watch.lines.wait { JSONValue.parse($0)["type"].string == "command_finished" }
                    #expect(JSONValue.parse(finished)["action"].string == "ping")
                    #expect(JSONValue.parse(finished)["client_id"].string == id)
                }
                watch.signal(SIGINT)
                _ = try await watch.exitStatus()
                let printed = watch.lines.events.map { JSONValue.parse($0) }
                #expect(printed.map { $0["type"].string } == ["agent_connected", "command_finished"], "\(watch.lines.events)")
                #expect(printed.first?["client_name"].string == "watched")
            }
        }
    }
}
