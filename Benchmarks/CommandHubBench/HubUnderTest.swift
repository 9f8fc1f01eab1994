import Foundation
import Synchronization
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A `commandhub serve` process the benchmark measures from outside: its ports from its log,
/// its resident memory from `/proc`, restartable on the same ports and store.
final class HubUnderTest: @unchecked Sendable {
    let binary: URL
    let store: String
    let token: String
    let environment: [String: String]
    /// `libMallocCounter.so`, preloaded into the hub to count its allocations, when given.
    let mallocCounter: String?
    private(set) var process: Process?
    private(set) var grpcPort = 0
    private(set) var httpPort = 0
    /// An admin's bearer token, once the hub served the first time.
    private(set) var operatorToken: String?
    static let admin = "bench-admin"
    static let password = "bench-password-0123"
    private let output = Mutex<String>("")

    init(binary: URL, store: String, token: String, environment: [String: String], mallocCounter: String? = nil) {
        self.binary = binary
        self.store = store
        self.token = token
        self.environment = environment
        self.mallocCounter = mallocCounter
    }

    /// The counter file the preloaded malloc counter writes.
    var allocationsFile: String? { self.mallocCounter.map { _ in self.store + ".allocations" } }

    /// The running hub's probe.
    var probe: ProcessProbe? {
        self.process.map { ProcessProbe(pid: $0.processIdentifier, allocationsFile: self.allocationsFile) }
    }

    /// Starts the hub (on the previous ports when restarting) and waits until it serves; the
    /// first start creates the admin account and logs in.
    func start() async throws {
        if self.operatorToken == nil { try self.addAdmin() }
        let process = Process()
        process.executableURL = self.binary
        process.arguments = [
            "serve", "--store", self.store, "--grpc-port", String(self.grpcPort), "--http-port", String(self.httpPort),
            "--log-level", "notice",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["COMMANDHUB_AGENTS_TOKENS"] = self.token
        for (key, value) in self.environment { environment[key] = value }
        if let counter = self.mallocCounter, let file = self.allocationsFile {
            environment["LD_PRELOAD"] = counter
            environment["MALLOC_COUNTER_FILE"] = file
        }
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
                if self.operatorToken == nil { self.operatorToken = try await self.login() }
                return
            }
            guard process.isRunning else { throw BenchError("the hub exited at start-up:\n\(text)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("the hub did not start serving within 60 s")
    }

    /// `commandhub users add` for the benchmark's admin, on the store.
    private func addAdmin() throws {
        let process = Process()
        process.executableURL = self.binary
        process.arguments = ["users", "add", Self.admin, "--role", "admin", "--password-stdin", "--store", self.store]
        var environment = ProcessInfo.processInfo.environment
        environment["COMMANDHUB_AUTH_BCRYPT_COST"] = "4"
        process.environment = environment
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data((Self.password + "\n").utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("commandhub users add exited \(process.terminationStatus)") }
    }

    private func login() async throws -> String {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(self.httpPort)/api/auth/token")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "content-type")
        request.httpBody = Data(#"{"username": "\#(Self.admin)", "password": "\#(Self.password)"}"#.utf8)
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let body = try JSONSerialization.jsonObject(with: data) as? [String: Any], let token = body["access_token"] as? String else {
            throw BenchError("login failed: \(String(decoding: data, as: UTF8.self))")
        }
        return token
    }

    /// `GET path` with the admin's token; the body as text.
    func get(_ path: String) async throws -> String {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(self.httpPort)\(path)")!)
        if let token = self.operatorToken { request.setValue("Bearer \(token)", forHTTPHeaderField: "authorization") }
        let (data, _) = try await URLSession.shared.data(for: request)
        return String(decoding: data, as: UTF8.self)
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

    /// CPU time (user + system) the hub has used so far, in seconds.
    var cpuSeconds: Double { self.probe?.cpuSeconds ?? 0 }

    private static func port(after key: String, in line: Substring) -> Int? {
        guard let range = line.range(of: key) else { return nil }
        return line[range.upperBound...].prefix { $0 != " " }.split(separator: ":").last.flatMap { Int($0) }
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
