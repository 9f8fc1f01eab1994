import Foundation

/// System calls of a process per kind over a window, with `strace -c -f -p` (when strace is
/// installed): attached while `body` runs, detached after, its summary table parsed.
enum SyscallCount {
    static var available: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/bin/strace") && FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")
    }

    /// Runs strace with an empty signal mask: this process's threads block SIGINT, a child
    /// inherits the mask, and strace only prints its table when SIGINT reaches it.
    static let unmasked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"

    /// The calls per kind during `body`, most frequent first.
    static func during(pid: pid_t, _ body: () async throws -> Void) async throws -> [(name: String, calls: Int)] {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("commandhub-strace-\(UUID().uuidString).txt")
        defer { try? FileManager.default.removeItem(at: output) }
        let strace = Process()
        strace.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        strace.arguments = ["-c", Self.unmasked, "/usr/bin/strace", "-c", "-f", "-p", String(pid), "-o", output.path]
        strace.standardError = FileHandle.nullDevice
        try strace.run()
        try await Task.sleep(for: .milliseconds(500))  // strace attaches to every thread first
        try await body()
        kill(strace.processIdentifier, SIGINT)
        while strace.isRunning { try await Task.sleep(for: .milliseconds(20)) }  // strace writes its table as it detaches
        let table = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        // "% time seconds usecs/call calls [errors] syscall" rows between the dashes.
        return table.split(separator: "\n").compactMap { line -> (String, Int)? in
            let fields = line.split(separator: " ")
            guard fields.count >= 5, let calls = Int(fields[3]), let name = fields.last, name != "total" else { return nil }
            return (String(name), calls)
        }.sorted { $0.1 > $1.1 }
    }
}
