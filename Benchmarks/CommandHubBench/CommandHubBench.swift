import AgentSwarm
import ArgumentParser
import Foundation
import NIOCore
import NIOPosix

/// `commandhub-bench`: measures a release `commandhub` the way a fleet loads it — round trips,
/// throughput, memory per connected agent, bulk fan-out, reconnect storms — and writes
/// `BENCHMARKS.md`. The hub runs as its own process; the agent swarm and the REST load run in
/// this one, over real HTTP/2 and HTTP/1.1 sockets on loopback.
@main
struct CommandHubBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commandhub-bench",
        abstract: "Benchmark a release commandhub: latency, throughput, memory per agent, bulk fan-out, reconnect storm.",
        discussion: "Build first: swift build -c release. Then: .build/release/commandhub-bench --output BENCHMARKS.md"
    )

    @Option(help: "The commandhub binary to measure (default: next to this one).")
    var hub: String?

    @Option(help: "Largest fleet to measure (memory, pause_all, reconnect storm).")
    var agents: Int = 10_000

    @Option(help: "Requests at C=1 (after a warm-up).")
    var serialRequests: Int = 10_000

    @Option(help: "Requests at C=64.")
    var concurrentRequests: Int = 200_000

    @Option(help: "Write the report to this Markdown file.")
    var output: String?

    @Option(help: "Which scenarios to run (comma-separated): latency, fleet, storm, soak (soak is not in the default set).")
    var only: String = "latency,fleet,storm"

    @Option(help: "Agents in the soak.")
    var soakAgents: Int = 1_000

    @Option(help: "Minutes the soak runs.")
    var soakMinutes: Double = 10

    @Option(help: "Who answers in the latency scenario (comma-separated): swarm, real (crypto-agent processes).")
    var latencyAgents: String = "swarm,real"

    @Option(help: "libMallocCounter.so to preload into the hub for allocations per command (default: next to this binary, if built).")
    var mallocCounter: String?

    @Option(
        help:
            "Python with grpcio for the anchors (TCP and grpcio round trips); default: $COMMANDHUB_PYTHON, else .build/python/bin/python, else python3."
    )
    var python: String?

    @Option(
        name: .customLong("hub-env"),
        help: "KEY=VALUE added to every hub's environment (repeatable), e.g. COMMANDHUB_GRPC_SERVER=grpc-swift.")
    var hubEnvironment: [String] = []

    func run() async throws {
        raiseFileLimit()
        let binary =
            self.hub.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent(
                "commandhub")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw ValidationError("no commandhub at \(binary.path); build it with swift build -c release")
        }
        let scenarios = Set(self.only.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        var report = Report()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: System.coreCount)
        var environment: [String: String] = [:]
        for pair in self.hubEnvironment {
            guard let equals = pair.firstIndex(of: "=") else { throw ValidationError("--hub-env needs KEY=VALUE, got \(pair)") }
            environment[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
        }
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        let counter = self.mallocCounter ?? here.appendingPathComponent("libMallocCounter.so").path
        let bench = Scenarios(
            binary: binary, group: group, hubEnvironment: environment,
            agentBinary: binary.deletingLastPathComponent().appendingPathComponent("crypto-agent"),
            mallocCounter: FileManager.default.fileExists(atPath: counter) ? counter : nil,
            log: { line in print(line) })
        if scenarios.contains("latency") {
            for kind in self.latencyAgents.split(separator: ",").compactMap({ Scenarios.AgentKind(rawValue: String($0)) }) {
                report.latencies.append(
                    try await bench.latency(serial: self.serialRequests, concurrent: self.concurrentRequests, agents: kind))
            }
        }
        if scenarios.contains("latency") {
            let python =
                self.python ?? ProcessInfo.processInfo.environment["COMMANDHUB_PYTHON"]
                ?? (FileManager.default.isExecutableFile(atPath: ".build/python/bin/python")
                    ? ".build/python/bin/python" : "/usr/bin/python3")
            let script = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("Benchmarks/Anchors/anchors.py")
            let found = FileManager.default.fileExists(atPath: script.path) ? script : URL(fileURLWithPath: "Benchmarks/Anchors/anchors.py")
            print("anchors: TCP and grpcio round trips")
            report.anchors = Anchors.measure(python: python, script: found, roundTrips: 5_000, log: { print($0) })
        }
        if scenarios.contains("fleet") {
            for size in [1_000, self.agents] where size <= self.agents {
                report.fleets.append(try await bench.fleet(size: size))
            }
        }
        if scenarios.contains("storm") {
            report.storm = try await bench.storm(size: self.agents)
        }
        if scenarios.contains("soak") {
            report.soak = try await bench.soak(size: self.soakAgents, minutes: self.soakMinutes)
        }
        try await group.shutdownGracefully()
        let markdown = report.markdown(machine: Machine.describe())
        print(markdown)
        if let output = self.output {
            try Report.write(markdown, block: report.block, to: output)
            print("written to \(output)")
        }
    }
}

/// Lifts the soft open-files limit to the hard one: 10,000 connections need 10,000 descriptors.
func raiseFileLimit() {
    var limit = rlimit()
    let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    guard getrlimit(resource, &limit) == 0 else { return }
    limit.rlim_cur = limit.rlim_max
    setrlimit(resource, &limit)
}
