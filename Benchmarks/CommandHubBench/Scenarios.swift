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
    let log: @Sendable (String) -> Void

    struct Latency {
        var serial: RESTLoad.Result
        var concurrent: RESTLoad.Result
        /// CPU time per acknowledged command during the C = 64 run: the hub's, and this
        /// process's (the swarm and the load generator), in microseconds.
        var hubCPUPerCommand: Double
        var benchCPUPerCommand: Double
        /// The hub's CPU time per command during the C = 1 run, in microseconds.
        var hubCPUPerSerialCommand: Double
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
            environment: self.hubEnvironment.merging(environment) { _, own in own }
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

    /// REST → agent → ack round trips (ping) at C = 1 and C = 64 over 64 agents.
    func latency(serial: Int, concurrent: Int) async throws -> Latency {
        try await self.withHub { hub in
            let swarm = self.swarm(64, hub: hub)
            swarm.start()
            await swarm.waitForConnected(64)
            let paths = swarm.agentIDs.map { "/api/crypto/commands/\($0.uuidString.lowercased())/ping/" }
            self.log("latency: warming up")
            _ = try await RESTLoad.run(
                port: hub.httpPort, paths: paths, connections: 1, requests: 3_000, token: hub.operatorToken, group: self.group)
            let serialCPUBefore = hub.cpuSeconds
            let serialResult = try await RESTLoad.run(
                port: hub.httpPort, paths: paths, connections: 1, requests: serial, token: hub.operatorToken, group: self.group)
            let serialCPU = (hub.cpuSeconds - serialCPUBefore) / Double(max(1, serialResult.statuses[200] ?? 0)) * 1_000_000
            self.log(
                "latency: C=1 p50 \(serialResult.percentile(0.5)) ms p99 \(serialResult.percentile(0.99)) ms statuses \(serialResult.statuses); hub CPU per command \(Int(serialCPU)) µs"
            )
            _ = try await RESTLoad.run(
                port: hub.httpPort, paths: paths, connections: 64, requests: 20_000, token: hub.operatorToken, group: self.group)
            let (hubBefore, benchBefore) = (hub.cpuSeconds, Self.ownCPUSeconds)
            let concurrentResult = try await RESTLoad.run(
                port: hub.httpPort, paths: paths, connections: 64, requests: concurrent, token: hub.operatorToken, group: self.group)
            let commands = Double(max(1, concurrentResult.statuses[200] ?? 0))
            let hubCPU = (hub.cpuSeconds - hubBefore) / commands * 1_000_000
            let benchCPU = (Self.ownCPUSeconds - benchBefore) / commands * 1_000_000
            self.log(
                "latency: C=64 \(Int(concurrentResult.throughput)) /s p50 \(concurrentResult.percentile(0.5)) ms statuses \(concurrentResult.statuses); CPU per command: hub \(Int(hubCPU)) µs, bench \(Int(benchCPU)) µs"
            )
            await swarm.stop()
            return Latency(
                serial: serialResult, concurrent: concurrentResult, hubCPUPerCommand: hubCPU, benchCPUPerCommand: benchCPU,
                hubCPUPerSerialCommand: serialCPU
            )
        }
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
            try await Task.sleep(for: .seconds(3))
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
