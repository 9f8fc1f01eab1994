import Foundation

/// What a process under measurement has spent so far, read from `/proc` from outside: CPU time,
/// context switches of all its threads, and — when the malloc counter is preloaded into it —
/// heap allocations. Differences of two readings over a run, divided by the commands of the
/// run, are the per-command costs the report shows.
struct ProcessProbe: Sendable {
    let pid: pid_t
    /// The counter file `libMallocCounter.so` writes, when preloaded.
    let allocationsFile: String?

    struct Reading: Sendable {
        var cpuSeconds: Double
        var contextSwitches: Int
        var allocations: Int?

        static func - (lhs: Reading, rhs: Reading) -> Reading {
            var allocations: Int?
            if let left = lhs.allocations, let right = rhs.allocations { allocations = left - right }
            return Reading(
                cpuSeconds: lhs.cpuSeconds - rhs.cpuSeconds, contextSwitches: lhs.contextSwitches - rhs.contextSwitches,
                allocations: allocations)
        }

        static func + (lhs: Reading, rhs: Reading) -> Reading {
            var allocations: Int?
            if let left = lhs.allocations, let right = rhs.allocations { allocations = left + right }
            return Reading(
                cpuSeconds: lhs.cpuSeconds + rhs.cpuSeconds, contextSwitches: lhs.contextSwitches + rhs.contextSwitches,
                allocations: allocations)
        }

        static let zero = Reading(cpuSeconds: 0, contextSwitches: 0, allocations: 0)
    }

    /// Per command: CPU in µs, context switches, allocations.
    struct PerCommand: Sendable {
        var cpuMicroseconds: Double
        var contextSwitches: Double
        var allocations: Double?

        init(_ reading: Reading, commands: Int) {
            let count = Double(max(1, commands))
            self.cpuMicroseconds = reading.cpuSeconds / count * 1_000_000
            self.contextSwitches = Double(reading.contextSwitches) / count
            self.allocations = reading.allocations.map { Double($0) / count }
        }
    }

    func read() -> Reading {
        Reading(cpuSeconds: self.cpuSeconds, contextSwitches: self.contextSwitches, allocations: self.allocations)
    }

    /// User + system CPU time of the process so far, in seconds.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(self.pid)/stat", encoding: .utf8),
            let afterName = stat.range(of: ") ")
        else { return 0 }
        // Fields after the command name start at field 3; utime and stime are fields 14 and 15.
        let fields = stat[afterName.upperBound...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Voluntary and involuntary context switches, summed over the process's threads.
    var contextSwitches: Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(self.pid)/task")) ?? []
        return tasks.reduce(0) { total, task in
            guard let status = try? String(contentsOfFile: "/proc/\(self.pid)/task/\(task)/status", encoding: .utf8) else { return total }
            return total
                + status.split(separator: "\n").reduce(0) { sum, line in
                    guard line.hasSuffix("ctxt_switches") == false, line.contains("ctxt_switches:") else { return sum }
                    return sum + (line.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 0)
                }
        }
    }

    /// Heap allocations so far, from the preloaded counter's file; nil without it.
    var allocations: Int? {
        guard let file = self.allocationsFile, let handle = FileHandle(forReadingAtPath: file) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 8), data.count == 8 else { return nil }
        return Int(data.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) })
    }
}
