import AgentSwarm
import Foundation
import NIOCore

/// The measured scenarios. Each starts its own hub process on a fresh store in a temporary
/// directory, drives it from this process, and stops it.
struct Scenarios {
    static let token = "bench-token"

    let binary: URL
    let group: any EventLoopGroup
    /// Environment every hub under test gets on top of the benchmark's own (`--hub-env`).
    var hubEnvironment: [String: String] = [:]
    /// The `crypto-agent` binary for real-agent runs.
    var agentBinary: URL
    /// `libMallocCounter.so` to preload into the hub, when it was built.
    var mallocCounter: String?
    let log: @Sendable (String) -> Void

    /// Who answers the commands of a latency run.
    enum AgentKind: String, Sendable {
        /// The benchmark's swarm: `ChannelHandler` agents that answer at once, no record kept.
        case swarm
        /// `crypto-agent run` processes: the real command handler, paper exchange and state on disk.
        case real
    }

    struct Latency {
        var agents: AgentKind
        var serial: RESTLoad.Result
        var concurrent: RESTLoad.Result
        /// The hub's costs per command at C = 1 and at C = 64.
        var hubSerial: ProcessProbe.PerCommand
        var hubConcurrent: ProcessProbe.PerCommand
        /// The agents' costs per command (real agents only), summed over their processes.
        var agentSerial: ProcessProbe.PerCommand?
        var agentConcurrent: ProcessProbe.PerCommand?
        /// This process's CPU per command at C = 64 (the load generator, and the swarm when it answers), µs.
        var benchConcurrentCPU: Double
        /// The hub's system calls per kind over `syscallCommands` commands at C = 1 (empty without strace).
        var syscalls: [(name: String, calls: Int)]
        var syscallCommands: Int
    }

    /// CPU time (user + system) this process has used so far, in seconds.
    static var ownCPUSeconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let seconds = { (time: timeval) in Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }

    struct Fleet {
        var size: Int
        var connectSeconds: Double
        var baselineBytes: Int
        var connectedBytes: Int
        var pauseAllSeconds: [Double]
        var bytesPerAgent: Double { Double(self.connectedBytes - self.baselineBytes) / Double(self.size) }
    }

    struct Storm {
        var size: Int
        /// From the restarted hub serving to every agent registered again.
        var seconds: Double
        /// From the old hub's SIGTERM to every agent back.
        var totalSeconds: Double
    }

    struct SoakReport {
        var agents: Int
        var minutes: Double
        var outcome: Soak.Outcome
        var baselineBytes: Int
        var peakBytes: Int
        var afterBytes: Int
        var pendingAfter: Int
        var nonFinal: Int
        var logTotal: Int
        var metricsMatchLog: Bool
    }

    /// Runs `body` against a fresh hub.
    func withHub<T>(environment: [String: String] = [:], _ body: (HubUnderTest) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("commandhub-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let hub = HubUnderTest(
            binary: self.binary, store: directory.appendingPathComponent("hub.sqlite").path, token: Self.token,
            environment: self.hubEnvironment.merging(environment) { _, own in own }, mallocCounter: self.mallocCounter
        )
        try await hub.start()
        do {
            let result = try await body(hub)
            await hub.stop()
            return result
        } catch {
            await hub.stop()
            throw error
        }
    }

    func swarm(_ size: Int, hub: HubUnderTest) -> Swarm {
        Swarm(count: size, settings: Swarm.Settings(port: hub.grpcPort, token: Self.token), group: self.group)
    }

    /// REST → agent → ack round trips (ping) at C = 1 and C = 64, answered by 64 swarm agents or
    /// by 8 real agent processes; the hub's (and real agents') CPU, context switches and
    /// allocations per command; the hub's system calls per kind at C = 1.
    func latency(serial: Int, concurrent: Int, agents kind: AgentKind) async throws -> Latency {
        try await self.withHub { hub in
            guard let probe = hub.probe else { throw BenchError("the hub is not running") }
            var swarm: Swarm?
            var real: AgentProcesses?
            defer { real?.stop() }
            let ids: [UUID]
            switch kind {
            case .swarm:
                let agents = self.swarm(64, hub: hub)
                agents.start()
                await agents.waitForConnected(64)
                swarm = agents
                ids = agents.agentIDs
            case .real:
                let directory = URL(fileURLWithPath: hub.store).deletingLastPathComponent()
                real = try AgentProcesses(
                    count: 8, binary: self.agentBinary, grpcPort: hub.grpcPort, token: Self.token, directory: directory)
                ids = try await self.connectedIDs(hub, selector: "bench=real", count: 8)
            }
            let paths = ids.map { "/api/crypto/commands/\($0.uuidString.lowercased())/ping/" }
            let load = { (connections: Int, requests: Int) in
                try await RESTLoad.run(
                    port: hub.httpPort, paths: paths, connections: connections, requests: requests, token: hub.operatorToken,
                    group: self.group)
            }
            let agentsRead = { real?.read() }
            self.log("latency (\(kind.rawValue) agents): warming up")
            _ = try await load(1, 3_000)

            let (hubBefore, agentsBefore) = (probe.read(), agentsRead())
            let serialResult = try await load(1, serial)
            let serialCommands = serialResult.statuses[200] ?? 0
            let hubSerial = ProcessProbe.PerCommand(probe.read() - hubBefore, commands: serialCommands)
            let agentSerial = zip2(agentsRead(), agentsBefore).map { ProcessProbe.PerCommand($0 - $1, commands: serialCommands) }
            self.log(
                "latency (\(kind.rawValue)): C=1 p50 \(serialResult.percentile(0.5)) ms p99 \(serialResult.percentile(0.99)) ms \(serialResult.statuses); hub \(Int(hubSerial.cpuMicroseconds)) µs, \(hubSerial.contextSwitches) switches, \(hubSerial.allocations ?? .nan) allocations per command; agents \(agentSerial.map { Int($0.cpuMicroseconds) } ?? 0) µs"
            )

            var syscalls: [(name: String, calls: Int)] = []
            let syscallCommands = min(2_000, serial)
            if SyscallCount.available {
                syscalls = try await SyscallCount.during(pid: probe.pid) { _ = try await load(1, syscallCommands) }
            }

            _ = try await load(64, 20_000)
            let (hubBefore64, agentsBefore64, benchBefore64) = (probe.read(), agentsRead(), Self.ownCPUSeconds)
            let concurrentResult = try await load(64, concurrent)
            let concurrentCommands = concurrentResult.statuses[200] ?? 0
            let hubConcurrent = ProcessProbe.PerCommand(probe.read() - hubBefore64, commands: concurrentCommands)
            let agentConcurrent = zip2(agentsRead(), agentsBefore64).map { ProcessProbe.PerCommand($0 - $1, commands: concurrentCommands) }
            let benchCPU = (Self.ownCPUSeconds - benchBefore64) / Double(max(1, concurrentCommands)) * 1_000_000
            self.log(
                "latency (\(kind.rawValue)): C=64 \(Int(concurrentResult.throughput)) /s p50 \(concurrentResult.percentile(0.5)) ms \(concurrentResult.statuses); hub \(Int(hubConcurrent.cpuMicroseconds)) µs, agents \(agentConcurrent.map { Int($0.cpuMicroseconds) } ?? 0) µs, bench \(Int(benchCPU)) µs per command"
            )
            await swarm?.stop()
            return Latency(
                agents: kind, serial: serialResult, concurrent: concurrentResult, hubSerial: hubSerial, hubConcurrent: hubConcurrent,
                agentSerial: agentSerial, agentConcurrent: agentConcurrent, benchConcurrentCPU: benchCPU, syscalls: syscalls,
                syscallCommands: syscallCommands)
        }
    }

    /// The ids of the connected agents matching `selector`, once there are `count` of them.
    func connectedIDs(_ hub: HubUnderTest, selector: String, count: Int) async throws -> [UUID] {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let text = try await hub.get("/api/crypto/commands/?selector=\(selector)")
            if let rows = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], rows.count >= count {
                return rows.compactMap { ($0["client_id"] as? String).flatMap(UUID.init(uuidString:)) }
            }
            try await Task.sleep(for: .milliseconds(100))  // polls the hub for agents starting up
        }
        throw BenchError("\(count) agents (\(selector)) did not connect within 60 s")
    }

    /// Memory per connected agent and `pause_all` over the whole fleet.
    func fleet(size: Int) async throws -> Fleet {
        try await self.withHub { hub in
            // Warm the hub's REST and store paths so the baseline is a running hub's.
            _ = try? await RESTLoad.run(
                port: hub.httpPort, paths: ["/api/crypto/commands/pause_all/"], connections: 1, requests: 20, token: hub.operatorToken,
                group: self.group)
            try await Task.sleep(for: .seconds(1))
            let baseline = hub.residentBytes
            let swarm = self.swarm(size, hub: hub)
            let started = ContinuousClock.now
            swarm.start(spread: .milliseconds(Int64(size / 10)))
            await swarm.waitForConnected(size)
            let connectSeconds = (ContinuousClock.now - started).seconds
            self.log("fleet \(size): connected in \(connectSeconds) s")
            try await Task.sleep(for: .seconds(3))
            let connected = hub.residentBytes
            var pauses: [Double] = []
            for round in 0..<4 {
                let path =
                    round.isMultiple(of: 2) ? "/api/crypto/commands/pause_all/?timeout=60" : "/api/crypto/commands/resume_all/?timeout=60"
                let before = swarm.answeredCount
                let result = try await RESTLoad.run(
                    port: hub.httpPort, paths: [path], connections: 1, requests: 1, token: hub.operatorToken, group: self.group)
                let answered = swarm.answeredCount - before
                guard answered == size, result.statuses[200] == 1 else {
                    throw BenchError("bulk round \(round): \(answered) of \(size) answered, statuses \(result.statuses)")
                }
                if round.isMultiple(of: 2) { pauses.append(result.percentile(0.5) / 1000) }
            }
            self.log("fleet \(size): \(Double(connected - baseline) / Double(size) / 1024) KB/agent, pause_all \(pauses) s")
            await swarm.stop()
            return Fleet(
                size: size, connectSeconds: connectSeconds, baselineBytes: baseline, connectedBytes: connected, pauseAllSeconds: pauses)
        }
    }

    /// A long soak: `size` agents with churn, steady REST load and bulk actions for `minutes`.
    /// Memory is read with the fleet connected before and after the load (the baseline and what
    /// is left), and sampled during; afterwards the log must hold only final commands, nothing
    /// may be pending, and the metrics must count what the log holds.
    func soak(size: Int, minutes: Double) async throws -> SoakReport {
        try await self.withHub { hub in
            var settings = Swarm.Settings(port: hub.grpcPort, token: Self.token)
            settings.initialBackoff = .milliseconds(100)
            settings.maximumBackoff = .seconds(2)
            let swarm = Swarm(count: size, settings: settings, group: self.group)
            swarm.start(spread: .milliseconds(Int64(size / 10)))
            await swarm.waitForConnected(size)
            // Warm the paths once, then let the hub settle: that is the baseline.
            _ = try await RESTLoad.run(
                port: hub.httpPort, paths: ["/api/crypto/commands/pause_all/", "/api/crypto/commands/resume_all/"], connections: 1,
                requests: 4, token: hub.operatorToken, group: self.group)
            try await Task.sleep(for: .seconds(3))
            let baseline = hub.residentBytes
            var plan = Soak.Plan(agents: size, duration: .seconds(minutes * 60), churnCount: max(1, size / 50))
            plan.restConnections = 16
            let sampler = Task {
                var peak = 0
                while !Task.isCancelled {
                    peak = max(peak, hub.residentBytes)
                    try? await Task.sleep(for: .seconds(1))
                }
                return peak
            }
            self.log("soak: \(size) agents for \(minutes) min, baseline \(baseline / 1_048_576) MB")
            let outcome = try await Soak.run(plan, swarm: swarm, httpPort: hub.httpPort, token: hub.operatorToken, group: self.group)
            sampler.cancel()
            let peak = await sampler.value
            await swarm.waitForConnected(size)
            // The hub hands freed memory back once a minute (MemoryReturner): "after" is read
            // once that has run, with the fleet still connected.
            try await Task.sleep(for: .seconds(65))
            let after = hub.residentBytes
            let metrics = try await hub.get("/metrics")
            let stats = try await hub.get("/api/crypto/history/stats/")
            let checks = SoakChecks(metrics: metrics, stats: stats)
            self.log(
                "soak: \(outcome.pings.latencies.count) pings \(outcome.pings.statuses), bulk \(outcome.bulkStatuses), churned \(outcome.churned), RSS \(baseline / 1_048_576) → peak \(peak / 1_048_576) → \(after / 1_048_576) MB, pending \(checks.pending), non-final \(checks.nonFinal), metrics = log: \(checks.metricsMatchLog)"
            )
            await swarm.stop()
            return SoakReport(
                agents: size, minutes: minutes, outcome: outcome, baselineBytes: baseline, peakBytes: peak, afterBytes: after,
                pendingAfter: checks.pending, nonFinal: checks.nonFinal, logTotal: checks.total, metricsMatchLog: checks.metricsMatchLog
            )
        }
    }

    /// A hub restart (SIGTERM, start again on the same ports and store) under a connected fleet.
    func storm(size: Int) async throws -> Storm {
        try await self.withHub { hub in
            let swarm = self.swarm(size, hub: hub)
            swarm.start(spread: .milliseconds(Int64(size / 10)))
            await swarm.waitForConnected(size)
            try await Task.sleep(for: .seconds(2))
            let stopped = ContinuousClock.now
            await hub.stop(signal: SIGTERM)
            while swarm.connectedCount > 0 { try await Task.sleep(for: .milliseconds(5)) }
            try await hub.start()
            let serving = ContinuousClock.now
            await swarm.waitForConnected(size)
            let back = ContinuousClock.now
            self.log("storm \(size): back in \((back - serving).seconds) s after serving, \((back - stopped).seconds) s after SIGTERM")
            await swarm.stop()
            return Storm(size: size, seconds: (back - serving).seconds, totalSeconds: (back - stopped).seconds)
        }
    }
}

extension Duration {
    var seconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}

/// Both values, when there are both.
func zip2<T>(_ lhs: T?, _ rhs: T?) -> (T, T)? {
    guard let lhs, let rhs else { return nil }
    return (lhs, rhs)
}
