import Foundation
import Testing
import TestSupport

extension HeavySuites {
    /// The operator console in a real browser: headless Chromium from Debian's `chromium` and
    /// `chromium-driver` (Scripts/test.sh installs them), driven through WebDriver by Selenium
    /// (`Tests/Browser/console_scenarios.py`), against a real `commandhub demo` process — one demo
    /// per scenario, so none depends on another. The browser resolves no host name but 127.0.0.1.
    ///
    /// Skipped only where Chromium and its driver are not installed; a Python without Selenium
    /// fails (run Scripts/test.sh). The fleet page's screenshot is saved in
    /// `.build/console-browser/fleet.png` (not committed) for a person to look at.
    @Suite(
        "Console in a real browser", .serialized, .timeLimit(.minutes(3)),
        .enabled(
            if: ConsoleBrowser.installed, "chromium and chromium-driver are not installed (Scripts/test.sh installs them with apt-get)")
    )
    struct ConsoleBrowserTests {
        @Test func operatorPausesOneLiveResumesBySelectorAndSellsExactlyOnce() async throws {
            try await ConsoleBrowser.run("operator")
        }

        @Test func viewerSeesNoActionsAndTheHubRefusesTheViewersToken() async throws {
            try await ConsoleBrowser.run("viewer")
        }

        @Test func hostileAgentNameAndLabelsShowAsTextAndRunNothing() async throws {
            try await ConsoleBrowser.run("hostile") { demo, directory in
                let identity: [String: Any] = [
                    "name": "<img src=x onerror=alert(1)>",
                    "labels": ["note": "<script>window.__xss=2</script>", #"x"><svg onload=alert(3)>"#: "<b>bold</b> & <i>"],
                ]
                let config: [String: Any] = identity.merging([
                    "agent_id": UUID().uuidString.lowercased(), "hub": "127.0.0.1:\(demo.grpcPort)", "token": demo.externalToken,
                    "state_path": directory.path("hostile.sqlite"), "sync_interval_seconds": 3600,
                ]) { first, _ in first }
                let path = directory.path("hostile.json")
                try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
                let agent = try ChildProcess(executable: "crypto-agent", arguments: ["run", "--config", path])
                let json = try JSONSerialization.data(withJSONObject: identity, options: [.sortedKeys])
                return (["--hostile", String(decoding: json, as: UTF8.self)], [agent])
            }
        }

        @Test func fleetCatchesUpAfterTheEventStreamIsDroppedAndRestored() async throws {
            try await ConsoleBrowser.run("reconnect")
        }

        @Test func apiReferenceRendersItsOperationsWithNothingButTheHubReachable() async throws {
            try await ConsoleBrowser.run("docs")
        }
    }
}

/// Runs one scenario of the browser suite against a demo of its own.
enum ConsoleBrowser {
    static let chromium = ProcessInfo.processInfo.environment["COMMANDHUB_CHROMIUM"] ?? "/usr/bin/chromium"
    static let chromedriver = ProcessInfo.processInfo.environment["COMMANDHUB_CHROMEDRIVER"] ?? "/usr/bin/chromedriver"
    static let python = ProcessInfo.processInfo.environment["COMMANDHUB_PYTHON"] ?? "python3"
    static let scenarios = OpenAPITests.repository.appendingPathComponent("Tests/Browser/console_scenarios.py").path
    static let artifacts = OpenAPITests.repository.appendingPathComponent(".build/console-browser").path

    static var installed: Bool {
        FileManager.default.isExecutableFile(atPath: Self.chromium) && FileManager.default.isExecutableFile(atPath: Self.chromedriver)
    }

    /// What a started demo printed: where it listens and the credentials it issued.
    struct Demo {
        let httpPort: Int
        let grpcPort: Int
        let password: String
        let token: String
        let externalToken: String
    }

    /// Starts a demo (3 agents), lets `prepare` add arguments and processes of its own, runs the
    /// scenario and expects it to pass; everything started is stopped afterwards.
    static func run(
        _ scenario: String,
        prepare: (Demo, TemporaryDirectory) throws -> ([String], [ChildProcess]) = { _, _ in ([], []) }
    ) async throws {
        try #require(
            Self.pythonHasSelenium(), "\(Self.python) lacks selenium: run Scripts/test.sh, or pip install -r Scripts/requirements-test.txt"
        )
        // A failure screenshot of an earlier run would be mistaken for this one's.
        try? FileManager.default.removeItem(atPath: "\(Self.artifacts)/failed-\(scenario).png")
        try await TemporaryDirectory.with { directory in
            let process = try ChildProcess(
                executable: "commandhub",
                arguments: ["demo", "--http-port", "0", "--grpc-port", "0", "--agents", "3", "--data-dir", directory.path("demo")]
            )
            defer { process.signal(SIGTERM) }
            let demo = try await Self.read(process)
            let (arguments, helpers) = try prepare(demo, directory)
            defer { for helper in helpers { helper.signal(SIGTERM) } }

            let driver = try ChildProcess(
                executable: "/usr/bin/env",
                arguments: [
                    Self.python, Self.scenarios, "--scenario", scenario, "--hub", "http://127.0.0.1:\(demo.httpPort)",
                    "--password", demo.password, "--token", demo.token, "--artifacts", Self.artifacts,
                ] + arguments,
                environment: ["PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"]
            )
            defer { driver.signal(SIGTERM) }
            let status = try await driver.exitStatus()
            try await driver.waitForEnd()
            let output = driver.lines.events.joined(separator: "\n")
            for line in driver.lines.events where line.hasPrefix("screenshot: ") { print("console browser \(scenario): \(line)") }
            #expect(status == 0 && output.contains("PASS \(scenario)"), "scenario \(scenario) failed:\n\(output.suffix(8000))")
            process.signal(SIGTERM)
            #expect(try await process.exitStatus() == 0, "the demo shuts down cleanly after the scenario")
        }
    }

    /// Reads the demo's banner: ports, demo-admin's password and token, the external agent token.
    static func read(_ demo: ChildProcess) async throws -> Demo {
        let ports = try await demo.waitForLine(containing: "CommandHub demo: REST on 127.0.0.1:")
        func port(after marker: String) -> Int? {
            ports.components(separatedBy: marker).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
        }
        let passwordLine = try await demo.waitForLine(containing: "password (shown once): ")
        let tokenLine = try await demo.waitForLine(containing: "export TOKEN=")
        try await demo.waitForLine(containing: "credential demo-external")
        let lines = demo.lines.events
        let externalLine = lines.firstIndex { $0.contains("credential demo-external") }.map { $0 + 1 }
        let external = externalLine.flatMap { lines.indices.contains($0) ? lines[$0] : nil }
        guard let http = port(after: "REST on 127.0.0.1:"), let grpc = port(after: "gRPC AgentLink on 127.0.0.1:"),
            let password = passwordLine.components(separatedBy: "password (shown once): ").last?.trimmingCharacters(in: .whitespaces),
            let token = tokenLine.components(separatedBy: "export TOKEN=").last?.trimmingCharacters(in: .whitespaces),
            let externalToken = external?.trimmingCharacters(in: .whitespaces), !externalToken.isEmpty
        else { throw TestFailure("cannot read the demo's banner:\n\(lines.joined(separator: "\n"))") }
        return Demo(httpPort: http, grpcPort: grpc, password: password, token: token, externalToken: externalToken)
    }

    static func pythonHasSelenium() -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.python, "-c", "import selenium"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}
