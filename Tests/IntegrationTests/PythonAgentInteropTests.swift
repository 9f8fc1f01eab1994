import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import Foundation
import Synchronization
import Testing
import TestSupport

/// A real Python `grpcio` agent (Examples/python-agent, C-core gRPC) against the real hub:
/// proof that the wire contract is the `.proto`, not this codebase.
///
/// Needs a Python with `grpcio` and `grpcio-tools`: `Scripts/test.sh` provides one and points
/// `COMMANDHUB_PYTHON` at it; otherwise `python3` is used.
@Suite("Python grpcio agent interop", .timeLimit(.minutes(2)))
struct PythonAgentInteropTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let script = repository.appendingPathComponent("Examples/python-agent/agent.py")
    static let python = ProcessInfo.processInfo.environment["COMMANDHUB_PYTHON"] ?? "python3"

    /// Starts the Python agent; the caller terminates it.
    static func start(port: Int, token: String, agentID: UUID, arguments extra: [String] = []) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments =
            [
                Self.python, Self.script.path, "--hub", "127.0.0.1:\(port)", "--token", token,
                "--agent-id", agentID.uuidString.lowercased(), "--name", "py-agent", "--label", "stack=grpcio",
                "--log-level", "warning",
            ] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        ChildProcess.adopt(process)
        return process
    }

    /// Waits for a process to exit without blocking a thread of the cooperative pool. If the
    /// waiting task is cancelled (the time limit), the process is killed so the wait ends.
    static func exitStatus(of process: Process) async -> Int32 {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumed = Resumed()
                process.terminationHandler = { process in
                    if resumed.claim() { continuation.resume(returning: process.terminationStatus) }
                }
                if !process.isRunning, resumed.claim() { continuation.resume(returning: process.terminationStatus) }
            }
        } onCancel: {
            kill(process.processIdentifier, SIGKILL)
        }
    }

    @Test func pythonAgentAnswersEveryCommandKind() async throws {
        try #require(
            Self.pythonHasGRPC(),
            "\(Self.python) lacks grpcio/grpcio-tools: run Scripts/test.sh, or pip install -r Examples/python-agent/requirements.txt"
        )
        try await TestHub.with { hub in
            let agentID = UUID()
            let process = try Self.start(port: hub.grpcPort, token: TestHub.token, agentID: agentID)
            defer { if process.isRunning { process.terminate() } }
            try await hub.waitForConnected(agentID)
            let base = "/api/crypto/commands/\(agentID.uuidString.lowercased())"

            let detail = try await hub.rest.get("\(base)/")
            #expect(detail.json["client_name"].string == "py-agent")
            #expect(detail.json["metadata"]["version"].string == "py-1.0.0")
            #expect(detail.json["labels"]["stack"].string == "grpcio")

            let ping = try await hub.rest.post("\(base)/ping/")
            #expect(ping.status == 200, "\(ping)")
            #expect(ping.json["ping"].string == "pong")

            let pause = try await hub.rest.post("\(base)/pause/")
            #expect(pause.json["command_result"]["current_status"].string == "PAUSED")
            let status = try await hub.rest.post("\(base)/request_status/?include_stats=true")
            #expect(status.json["command_result"]["message"].string?.hasPrefix("Status: PAUSED") == true, "\(status)")
            let refused = try await hub.rest.post("\(base)/sync_wallets/?symbols=BTC")
            #expect(refused.json["command_result"]["error_code"].string == "paused")

            let resume = try await hub.rest.post("\(base)/resume/")
            #expect(resume.json["command_result"]["current_status"].string == "ACTIVE")
            let sync = try await hub.rest.post("\(base)/sync_wallets/?symbols=BTC,ETH")
            #expect(sync.status == 200)
            let balances = sync.json["command_result"]["balances"].array ?? []
            #expect(balances.map { $0["free"].string } == ["1.5", "12.25"])

            let bulk = try await hub.rest.post("/api/crypto/commands/pause_all/?selector=stack=grpcio")
            #expect(bulk.json["total"].int == 1)
            #expect(bulk.json["succeeded"].int == 1)

            process.terminate()
            #expect(await Self.exitStatus(of: process) == 0, "SIGTERM is a clean exit")
            try await hub.waitForDisconnected(agentID)
        }
    }

    @Test func pythonAgentWithAWrongTokenExitsWithStatus2() async throws {
        try #require(Self.pythonHasGRPC(), "\(Self.python) lacks grpcio/grpcio-tools: run Scripts/test.sh")
        try await TestHub.with { hub in
            let process = try Self.start(port: hub.grpcPort, token: "not-the-token", agentID: UUID())
            defer { if process.isRunning { process.terminate() } }
            #expect(await Self.exitStatus(of: process) == 2)
            #expect(hub.hub.registry.connectedCount == 0)
        }
    }

    @Test func pythonAgentConnectsWithMutualTLS() async throws {
        try #require(Self.pythonHasGRPC(), "\(Self.python) lacks grpcio/grpcio-tools: run Scripts/test.sh")
        try await TemporaryDirectory.with { directory in
            let certificates = try TestCertificates.make(in: directory)
            try await TestHub.with(tls: certificates, configure: { $0.grpcClientCAFile = certificates.caFile }) { hub in
                let agentID = UUID()
                let process = try Self.start(
                    port: hub.grpcPort, token: TestHub.token, agentID: agentID,
                    arguments: [
                        "--ca-file", certificates.caFile,
                        "--cert-file", certificates.clientCertificateFile, "--key-file", certificates.clientKeyFile,
                    ])
                defer { if process.isRunning { process.terminate() } }
                try await hub.waitForConnected(agentID)
                try await hub.expectPong(agentID)
            }
        }
    }

    static func pythonHasGRPC() -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [Self.python, "-c", "import grpc, grpc_tools"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

/// A one-shot flag, so a continuation resumed from two places resumes once.
final class Resumed: Sendable {
    private let flag = Atomic<Bool>(false)
    func claim() -> Bool { !self.flag.exchange(true, ordering: .relaxed) }
}
