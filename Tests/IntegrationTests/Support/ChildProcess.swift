import Foundation
import Synchronization
import TestSupport

/// A real `commandhub` or `crypto-agent` process, for tests that kill, freeze or restart one.
///
/// Its standard error (where the daemons log) is read line by line into `lines`, so a test can
/// wait for "serving" or "connected" as events. `Process` is used only from the test's tasks
/// through calls that are safe from any thread (`terminate`, `processIdentifier`, handlers); its
/// output is read by a `PipeReader` thread.
final class ChildProcess: @unchecked Sendable {
    let process: Process
    /// Output lines: standard output and standard error together, unless they were separated.
    let lines = EventLog<String>()
    /// Standard error's lines, when started with `separateErrors`.
    let errorLines = EventLog<String>()
    private let exit = EventLog<Int32>()
    private let ended = EventLog<Bool>()
    private let pipes: Int

    /// The directory `swift build`/`swift test` put the executables in (next to the test bundle).
    static var binaries: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Starts the process — `executable` is an absolute path or one of this package's products —;
    /// `input`, when given, is written to its standard input, which is then closed. With
    /// `separateErrors`, standard error goes to `errorLines` instead of `lines`. It runs in
    /// `directory` when given.
    init(
        executable: String, arguments: [String], environment: [String: String] = [:], input: String? = nil,
        separateErrors: Bool = false, directory: String? = nil
    ) throws {
        let process = Process()
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.executableURL =
            executable.hasPrefix("/") ? URL(fileURLWithPath: executable) : Self.binaries.appendingPathComponent(executable)
        process.arguments = arguments
        var inherited = ProcessInfo.processInfo.environment
        for (key, value) in environment { inherited[key] = value }
        process.environment = inherited
        let pipe = Pipe()
        process.standardOutput = pipe
        self.process = process
        self.pipes = separateErrors ? 2 : 1
        self.read(pipe, into: self.lines)
        if separateErrors {
            let errors = Pipe()
            process.standardError = errors
            self.read(errors, into: self.errorLines)
        } else {
            process.standardError = pipe
        }
        process.terminationHandler = { [exit] process in exit.append(process.terminationStatus) }
        let stdin = Pipe()
        if input != nil { process.standardInput = stdin }
        try process.run()
        ChildProcess.living.withLock { $0.insert(process.processIdentifier) }
        ChildProcess.killAtExit
        if let input {
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try? stdin.fileHandleForWriting.close()
        }
    }

    /// Reads `pipe` line by line into `log` on a thread of its own.
    private func read(_ pipe: Pipe, into log: EventLog<String>) {
        let partial = Mutex<String>("")
        PipeReader.start(pipe.fileHandleForReading) { data in
            let complete = partial.withLock { partial -> [String] in
                partial += String(decoding: data, as: UTF8.self)
                var lines = partial.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                partial = lines.removeLast()
                return lines
            }
            for line in complete { log.append(line) }
        } onEnd: { [ended] in
            let rest = partial.withLock { partial -> String in
                defer { partial = "" }
                return partial
            }
            if !rest.isEmpty { log.append(rest) }
            ended.append(true)
        }
    }

    /// Returns once the output pipes are closed (the process and its children are done writing).
    func waitForEnd() async throws {
        let seen = Counter()
        try await self.ended.wait { [pipes] _ in seen.increment() >= pipes }
    }

    /// The first output line containing `text`, past or future. Fails once the process has
    /// ended and its output is read without such a line (it can never come then).
    @discardableResult
    func waitForLine(containing text: String) async throws -> String {
        try await withThrowingTaskGroup(of: String?.self) { group in
            group.addTask { try await self.lines.wait { $0.contains(text) } }
            group.addTask {
                let status = try await self.exitStatus()
                try await self.waitForEnd()
                if let line = self.lines.events.first(where: { $0.contains(text) }) { return line }
                let tail = self.lines.events.suffix(15).joined(separator: "\n")
                throw TestFailure("the process ended (\(status)) without printing \"\(text)\"; its last lines:\n\(tail)")
            }
            defer { group.cancelAll() }
            while let line = try await group.next() {
                if let line { return line }
            }
            throw CancellationError()
        }
    }

    func signal(_ signal: Int32) {
        kill(self.process.processIdentifier, signal)
    }

    /// The exit status (or terminating signal) once the process has ended.
    func exitStatus() async throws -> Int32 {
        try await self.exit.wait { _ in true }
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
        ChildProcess.living.withLock { _ = $0.remove(self.process.processIdentifier) }
    }

    /// Puts a process started elsewhere on the list of children killed at exit.
    static func adopt(_ process: Process) {
        ChildProcess.living.withLock { $0.insert(process.processIdentifier) }
        ChildProcess.killAtExit
    }

    /// Every child started and not yet gone: a test that timed out or hung never deinits its
    /// children, so they are killed when the test process exits instead of outliving it.
    private static let living = Mutex<Set<pid_t>>([])
    private static let killAtExit: Void = {
        atexit {
            for pid in ChildProcess.living.withLock({ $0 }) { kill(pid, SIGKILL) }
        }
    }()
}

/// A `commandhub serve` process on 127.0.0.1 with a given store, and an admin token for it.
struct HubProcess {
    let child: ChildProcess
    let grpcPort: Int
    let httpPort: Int
    let token: String

    var rest: RESTClient { RESTClient(port: self.httpPort, token: self.token) }

    /// The environment every test hub process and CLI call shares (fast bcrypt, quick reloads,
    /// and `TestHub.commandTimeout` for commands that name no timeout).
    static let environment = [
        "COMMANDHUB_AGENTS_TOKENS": TestHub.token, "COMMANDHUB_STORE_CREDENTIAL_POLL_MS": "50", "COMMANDHUB_AUTH_BCRYPT_COST": "4",
        "COMMANDHUB_COMMANDS_DEFAULT_TIMEOUT_SECONDS": "\(TestHub.commandTimeout.components.seconds)",
    ]

    /// Starts a hub and waits until it serves; `grpcPort` 0 picks a free port. The store gets
    /// the `TestHub.admin` account first (with `commandhub users add`) unless it has it.
    static func start(store: String, grpcPort: Int = 0, extraEnvironment: [String: String] = [:]) async throws -> HubProcess {
        var environment = Self.environment
        for (key, value) in extraEnvironment { environment[key] = value }
        let users = try ChildProcess(
            executable: "commandhub", arguments: ["users", "add", TestHub.admin, "--role", "admin", "--password-stdin", "--store", store],
            environment: environment, input: TestHub.password + "\n"
        )
        let added = try await users.exitStatus()
        if added != 0 {
            // 65: the account exists already (a restart on the same store).
            guard added == 65 else {
                throw TestFailure("commandhub users add exited \(added): \(users.lines.events.joined(separator: "\n"))")
            }
        }
        let child = try ChildProcess(
            executable: "commandhub",
            arguments: ["serve", "--store", store, "--grpc-port", String(grpcPort), "--http-port", "0", "--log-level", "info"],
            environment: environment
        )
        let line = try await child.waitForLine(containing: "commandhub serving")
        func port(after key: String) -> Int? {
            guard let range = line.range(of: key) else { return nil }
            let rest = line[range.upperBound...].prefix { $0 != " " }
            return rest.split(separator: ":").last.flatMap { Int($0) }
        }
        guard let grpc = port(after: "grpc="), let http = port(after: "http=") else {
            throw TestFailure("no ports in \(line)")
        }
        let login = try await RESTClient(port: http).post(
            "/api/auth/token", body: #"{"username": "\#(TestHub.admin)", "password": "\#(TestHub.password)"}"#
        )
        guard login.status == 200, let token = login.json["access_token"].string else { throw TestFailure("login failed: \(login)") }
        return HubProcess(child: child, grpcPort: grpc, httpPort: http, token: token)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
