import Foundation
import Testing
import TestSupport

extension HeavySuites {
    /// Schemathesis (PyPI) against the live demo — a real `commandhub demo` process with its
    /// paper agents — generating requests from `/openapi.json` (examples, coverage, fuzzing and
    /// stateful phases, bounded): no request may produce a 5xx.
    ///
    /// Its budget: at most 20 examples per operation and phase, no shrinking; each request cut
    /// off after 10 s; the demo accepts no `?timeout=` above 5 s, so no generated command waits
    /// longer than that for an agent; and the whole run is killed at 240 s (coreutils `timeout`),
    /// which fails the test with that reason instead of running into the suite's time limit.
    /// A quiet run takes about 40 s.
    ///
    /// Left out: revoking or rotating agent credentials and changing or deleting operator accounts
    /// (`/api/admin/{agents,operators}/{name}/`): they would cut the demo's own agents off — whose
    /// commands then answer 503 as the contract says — or the run's own account; and the event
    /// stream, which never ends by itself.
    @Suite("Schemathesis against the demo", .timeLimit(.minutes(5)))
    struct SchemathesisTests {
        static let python = ProcessInfo.processInfo.environment["COMMANDHUB_PYTHON"] ?? "python3"
        /// Seconds after which the run is killed.
        static let budgetSeconds = 240

        @Test func generatedRequestsNeverGetA5xxFromTheLiveDemo() async throws {
            try #require(
                Self.pythonHasSchemathesis(),
                "\(Self.python) lacks schemathesis: run Scripts/test.sh, or pip install -r Scripts/requirements-test.txt"
            )
            try await TemporaryDirectory.with { directory in
                let demo = try ChildProcess(
                    executable: "commandhub",
                    arguments: [
                        "demo", "--http-port", "0", "--grpc-port", "0", "--agents", "3", "--data-dir", directory.path("demo"),
                        "--max-timeout", "5",
                    ]
                )
                defer { demo.signal(SIGTERM) }
                let tokenLine = try await demo.waitForLine(containing: "export TOKEN=")
                let restLine = try await demo.waitForLine(containing: "CommandHub demo: REST on 127.0.0.1:")
                let token = try #require(tokenLine.components(separatedBy: "export TOKEN=").last?.trimmingCharacters(in: .whitespaces))
                let port = try #require(restLine.components(separatedBy: "REST on 127.0.0.1:").last?.prefix { $0.isNumber })
                try await demo.waitForLine(containing: "crypto-bot-003")

                let run = try ChildProcess(
                    executable: "/usr/bin/timeout",
                    arguments: [
                        "--signal=KILL", "\(Self.budgetSeconds)",
                        Self.python, "-m", "schemathesis.cli", "run", "http://127.0.0.1:\(port)/openapi.json",
                        "--header", "Authorization: Bearer \(token)",
                        "--checks", "not_a_server_error",
                        "--max-examples", "20", "--seed", "20261125", "--workers", "2", "--no-shrink",
                        "--exclude-path-regex", #"^/api/admin/(agents|operators)/\{name\}/"#,
                        "--exclude-path", "/api/crypto/events/",
                        "--request-timeout", "10",
                    ],
                    environment: ["SCHEMATHESIS_TELEMETRY": "false", "NO_COLOR": "1"],
                    directory: directory.url.path  // its cache and reports stay in the temporary directory
                )
                let status = try await run.exitStatus()
                try await run.waitForEnd()
                let output = run.lines.events.joined(separator: "\n")
                #expect(
                    status != SIGKILL && status != 128 + SIGKILL,
                    "schemathesis overran its \(Self.budgetSeconds) s budget:\n\(output.suffix(3000))")
                #expect(status == 0, "schemathesis found problems:\n\(output.suffix(6000))")
                #expect(output.contains("passed"), "\(output.suffix(2000))")
                demo.signal(SIGTERM)
                #expect(try await demo.exitStatus() == 0, "the demo survived the run and shuts down cleanly")
            }
        }

        static func pythonHasSchemathesis() -> Bool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [Self.python, "-c", "import schemathesis"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch { return false }
            process.waitUntilExit()
            return process.terminationStatus == 0
        }
    }
}
