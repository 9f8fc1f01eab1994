import AgentSwarm
import Foundation

/// The figures, as Markdown. Written between markers so the analysis around them in
/// `BENCHMARKS.md` survives a re-run.
struct Report {
    /// Where a block of figures goes in `BENCHMARKS.md`: the main run and the soak are written
    /// separately, so running one does not erase the other.
    enum Block: String {
        case results, soak
        var start: String { "<!-- \(self.rawValue):start -->" }
        var end: String { "<!-- \(self.rawValue):end -->" }
    }

    var latencies: [Scenarios.Latency] = []
    var fleets: [Scenarios.Fleet] = []
    var storm: Scenarios.Storm?
    var anchors: Anchors?
    var soak: Scenarios.SoakReport?

    /// The block this report fills: the soak's when it ran alone.
    var block: Block {
        self.latencies.isEmpty && self.fleets.isEmpty && self.storm == nil && self.anchors == nil && self.soak != nil ? .soak : .results
    }

    func markdown(machine: String) -> String {
        func ms(_ value: Double) -> String { String(format: "%.3f ms", value) }
        func s(_ value: Double) -> String { String(format: "%.3f s", value) }
        var rows: [(String, String, String)] = []
        for latency in self.latencies {
            let serial = latency.serial
            let concurrent = latency.concurrent
            let who = latency.agents == .swarm ? "swarm agents" : "real agents (crypto-agent)"
            let goal = latency.agents == .swarm
            func costs(_ cost: ProcessProbe.PerCommand) -> String {
                String(format: "%.0f µs CPU, %.2f context switches", cost.cpuMicroseconds, cost.contextSwitches)
                    + (cost.allocations.map { String(format: ", %.0f allocations", $0) } ?? "")
            }
            rows += [
                ("REST → agent → ack, p50 at C = 1, \(who)", goal ? "≤ 0.30 ms" : "≤ 0.45 ms", ms(serial.percentile(0.5))),
                ("… p99 at C = 1", goal ? "≤ 1 ms" : "≤ 1.5 ms", ms(serial.percentile(0.99))),
                ("… p99.9 at C = 1", "", ms(serial.percentile(0.999))),
                ("… hub per command at C = 1", "≤ 150 µs, ≤ 2 switches", costs(latency.hubSerial)),
            ]
            if let agent = latency.agentSerial { rows.append(("… agents per command at C = 1", "≤ 100 µs", costs(agent))) }
            if !latency.syscalls.isEmpty {
                let perCommand = latency.syscalls.map { (name: $0.name, calls: Double($0.calls) / Double(latency.syscallCommands)) }
                let total = perCommand.reduce(0) { $0 + $1.calls }
                let kinds = perCommand.filter { $0.calls >= 0.05 }.map { String(format: "%@ %.1f", $0.name, $0.calls) }.joined(
                    separator: ", ")
                rows.append(("… hub system calls per command at C = 1", "≤ 15", String(format: "%.1f: ", total) + kinds))
            }
            rows += [
                ("… p50 / p99 at C = 64", "", "\(ms(concurrent.percentile(0.5))) / \(ms(concurrent.percentile(0.99)))"),
                ("Acknowledged commands/s at C = 64, \(who)", "≥ 7,000", String(format: "%.0f /s", concurrent.throughput)),
                ("… hub per command at C = 64", "≤ 70 µs", costs(latency.hubConcurrent)),
            ]
            if let agent = latency.agentConcurrent { rows.append(("… agents per command at C = 64", "", costs(agent))) }
            rows.append(
                (
                    "… load generator\(latency.agents == .swarm ? " + swarm" : "") per command at C = 64", "",
                    String(format: "%.0f µs CPU", latency.benchConcurrentCPU)
                ))
        }
        if let anchors {
            rows.append(
                ("Anchor: TCP round trip between two processes, p50 / p99", "", "\(ms(anchors.tcp.p50Ms)) / \(ms(anchors.tcp.p99Ms))"))
            if let grpc = anchors.grpc {
                rows.append(("Anchor: Python grpcio bidi ping-pong, one hop, p50 / p99", "", "\(ms(grpc.p50Ms)) / \(ms(grpc.p99Ms))"))
            }
        }
        for fleet in self.fleets {
            rows += [
                (
                    "Agents held (\(fleet.size))", fleet.size == 10_000 ? "10,000" : "",
                    "\(fleet.size), connected in \(s(fleet.connectSeconds))"
                ),
                (
                    "Hub memory per agent at \(fleet.size)", fleet.size == 10_000 ? "≤ 24 KB" : "",
                    String(
                        format: "%.1f KB (RSS %.0f → %.0f MB)", fleet.bytesPerAgent / 1024, Double(fleet.baselineBytes) / 1_048_576,
                        Double(fleet.connectedBytes) / 1_048_576)
                ),
                (
                    "`pause_all` over \(fleet.size), all acks in",
                    fleet.size == 10_000 ? "≤ 0.5 s" : (fleet.size == 1_000 ? "≤ 0.05 s" : ""),
                    "best \(s(fleet.pauseAllSeconds.min() ?? .nan)), of \(fleet.pauseAllSeconds.map { String(format: "%.3f", $0) }.joined(separator: " / "))"
                ),
            ]
        }
        if let storm {
            rows.append(
                (
                    "Reconnect storm: \(storm.size) agents registered again after a hub restart", "≤ 3 s",
                    "\(s(storm.seconds)) after the new hub served (\(s(storm.totalSeconds)) from SIGTERM)"
                ))
        }
        if let soak {
            let mb = { (bytes: Int) in String(format: "%.0f MB", Double(bytes) / 1_048_576) }
            rows += [
                (
                    "Soak: \(soak.agents) agents, \(String(format: "%.0f", soak.minutes)) min of churn, REST load and bulk actions", "",
                    "\(soak.outcome.pings.latencies.count) pings \(soak.outcome.pings.statuses.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")), bulk \(soak.outcome.bulkStatuses.values.reduce(0, +)), \(soak.outcome.churned) connections dropped, \(soak.outcome.reconnects) reconnects"
                ),
                (
                    "… hub memory: baseline → peak → after", "back to baseline",
                    "\(mb(soak.baselineBytes)) → \(mb(soak.peakBytes)) → \(mb(soak.afterBytes))"
                ),
                (
                    "… after: pending / non-final in the log / metrics = log", "0 / 0 / yes",
                    "\(soak.pendingAfter) / \(soak.nonFinal) / \(soak.metricsMatchLog ? "yes" : "no") (\(soak.logTotal) commands)"
                ),
            ]
        }
        let table = (["| Measure | Goal | Measured |", "| --- | --- | --- |"] + rows.map { "| \($0.0) | \($0.1) | \($0.2) |" }).joined(
            separator: "\n")
        return """
            \(self.block.start)
            \(machine)

            \(table)
            \(self.block.end)
            """
    }

    /// Replaces `block`'s figures between its markers in `path`, or appends them.
    static func write(_ results: String, block: Block, to path: String) throws {
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? "# Benchmarks\n"
        if let from = existing.range(of: block.start), let to = existing.range(of: block.end, range: from.upperBound..<existing.endIndex) {
            let updated = existing.replacingCharacters(in: from.lowerBound..<to.upperBound, with: results)
            try updated.write(toFile: path, atomically: true, encoding: .utf8)
        } else {
            try (existing + "\n" + results + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        }
    }
}

/// The machine the figures come from.
enum Machine {
    static func describe() -> String {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }?
            .split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
        let meminfo = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        let memory =
            meminfo.split(separator: "\n").first { $0.hasPrefix("MemTotal") }?
            .split(separator: " ").dropFirst().first.flatMap { Double($0) }.map { String(format: "%.0f GiB", $0 / 1_048_576) } ?? "?"
        let date = Date().formatted(.iso8601.year().month().day())
        return "Measured \(date) on \(ProcessInfo.processInfo.activeProcessorCount) cores (\(model)), \(memory) RAM, "
            + "Linux, release build; hub, agent swarm and load generator on the same machine."
    }
}
