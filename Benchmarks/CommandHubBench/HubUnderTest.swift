import Foundation
import Synchronization

/// A `commandhub serve` process the benchmark measures from outside: its ports from its log,
/// its resident memory from `/proc`, restartable on the same ports and store.
final class HubUnderTest: @unchecked Sendable {
    let binary: URL
    let store: String
    let token: String
    let environment: [String: String]
    private(set) var process: Process?
    private(set) var grpcPort = 0
    private(set) var httpPort = 0
    private let output = Mutex<String>("")

    init(binary: URL, store: String, token: String, environment: [String: String]) {
        self.binary = binary
        self.store = store
        self.token = token
        self.environment = environment
    }

    /// Starts the hub (on the previous ports when restarting) and waits until it serves.
    func start() async throws {
        let process = Process()
        process.executableURL = self.binary
        process.arguments = [
            "serve", "--store", self.store, "--grpc-port", String(self.grpcPort), "--http-port", String(self.httpPort),
            "--log-level", "notice",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["COMMANDHUB_AGENTS_TOKENS"] = self.token
        for (key, value) in self.environment { environment[key] = value }
        process.environment = environment
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = pipe
        self.output.withLock { $0 = "" }
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            self?.output.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        self.process = process
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = self.output.withLock { $0 }
            if let line = text.split(separator: "\n").first(where: { $0.contains("commandhub serving") }) {
                self.grpcPort = Self.port(after: "grpc=", in: line) ?? 0
                self.httpPort = Self.port(after: "http=", in: line) ?? 0
                return
            }
            guard process.isRunning else { throw BenchError("the hub exited at start-up:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("the hub did not start serving within 60 s")
    }

    /// Sends `signal` and waits for the process to end.
    func stop(signal: Int32 = SIGTERM) async {
        guard let process = self.process else { return }
        kill(process.processIdentifier, signal)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        self.process = nil
    }

    /// The hub's resident set size in bytes.
    var residentBytes: Int {
        guard let pid = self.process?.processIdentifier,
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kilobytes * 1024
    }

    private static func port(after key: String, in line: Substring) -> Int? {
        guard let range = line.range(of: key) else { return nil }
        return line[range.upperBound...].prefix { $0 != " " }.split(separator: ":").last.flatMap { Int($0) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
