import Foundation

/// Real agents for the benchmark: `crypto-agent run` processes — the CryptoAgent library's own
/// command handler, paper exchange and SQLite state on disk — each connected to the hub under
/// test, measured from outside like the hub.
final class AgentProcesses: @unchecked Sendable {
    private(set) var processes: [Process] = []
    let directory: URL

    /// Starts `count` agents against `hub`'s gRPC port with `token`, their state files in `directory`.
    init(count: Int, binary: URL, grpcPort: Int, token: String, directory: URL) throws {
        self.directory = directory
        for index in 0..<count {
            let process = Process()
            process.executableURL = binary
            process.arguments = ["run"]
            var environment = ProcessInfo.processInfo.environment
            environment["CRYPTO_AGENT_HUB"] = "127.0.0.1:\(grpcPort)"
            environment["CRYPTO_AGENT_TOKEN"] = token
            environment["CRYPTO_AGENT_NAME"] = "bench-agent-\(index + 1)"
            environment["CRYPTO_AGENT_STATE_PATH"] = directory.appendingPathComponent("agent-\(index + 1).sqlite").path
            environment["CRYPTO_AGENT_SYNC_INTERVAL_SECONDS"] = "3600"
            environment["CRYPTO_AGENT_LABELS"] = "bench=real"
            process.environment = environment
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            self.processes.append(process)
        }
    }

    /// One probe per agent process.
    var probes: [ProcessProbe] { self.processes.map { ProcessProbe(pid: $0.processIdentifier, allocationsFile: nil) } }

    /// What all of them spent so far, summed.
    func read() -> ProcessProbe.Reading {
        self.probes.reduce(.zero) { $0 + $1.read() }
    }

    func stop() {
        for process in self.processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for process in self.processes { process.waitUntilExit() }
    }
}
