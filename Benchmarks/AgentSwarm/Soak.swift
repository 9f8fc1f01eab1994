import Foundation
import NIOCore
import Synchronization

/// A soak: a swarm under steady REST load with churn (connections dropped at random, agents
/// reconnecting with backoff) and bulk actions, for a set time. The same run is a short test in
/// the suite and a long scenario of the benchmark; the caller checks the hub afterwards.
public enum Soak {
    public struct Plan: Sendable {
        public var agents: Int
        public var duration: Duration
        /// Concurrent REST callers pinging random agents.
        public var restConnections: Int = 8
        /// The run lasts `duration`, or longer until this many pings were sent: on a slow or busy
        /// machine the soak takes longer instead of doing less.
        public var minimumPings: Int = 0
        /// Every `churnInterval`, this many agents lose their connection.
        public var churnInterval: Duration = .seconds(1)
        public var churnCount: Int
        /// Every `bulkInterval`, a `pause_all` or `resume_all` over the swarm.
        public var bulkInterval: Duration = .seconds(2)
        /// The REST commands' `timeout` (seconds).
        public var commandTimeout: Double = 2

        public init(agents: Int, duration: Duration, churnCount: Int) {
            self.agents = agents
            self.duration = duration
            self.churnCount = churnCount
        }
    }

    public struct Outcome: Sendable {
        public var pings: RESTLoad.Result
        public var bulkStatuses: [Int: Int]
        public var churned: Int
        /// Welcomes during the run beyond the first connects: the reconnects churn caused.
        public var reconnects: Int
    }

    /// Runs the soak against a hub whose swarm is already connected; returns once the load,
    /// churn and bulk actions have all ended (every REST call answered).
    public static func run(
        _ plan: Plan, swarm: Swarm, httpPort: Int, token: String?, group: any EventLoopGroup
    ) async throws -> Outcome {
        let deadline = ContinuousClock.now + plan.duration
        let welcomesBefore = swarm.welcomeCount
        let loading = Flag()
        let paths = swarm.agentIDs.map { "/api/crypto/commands/\($0.uuidString.lowercased())/ping/?timeout=\(plan.commandTimeout)" }
        return try await withThrowingTaskGroup(of: Part.self) { tasks in
            tasks.addTask {
                let pings = try await RESTLoad.run(
                    port: httpPort, paths: paths.shuffled(), connections: plan.restConnections, requests: .max, token: token,
                    until: deadline, atLeast: plan.minimumPings, group: group
                )
                loading.value.store(false, ordering: .relaxed)
                return .pings(pings)
            }
            tasks.addTask {
                var churned = 0
                // Churn and bulk actions go on as long as the steady load does.
                while loading.value.load(ordering: .relaxed) {
                    try await Task.sleep(for: plan.churnInterval)  // the churn's pace
                    guard loading.value.load(ordering: .relaxed) else { break }
                    swarm.churn(plan.churnCount)
                    churned += plan.churnCount
                }
                return .churned(churned)
            }
            tasks.addTask {
                var statuses: [Int: Int] = [:]
                var pause = true
                while loading.value.load(ordering: .relaxed) {
                    try await Task.sleep(for: plan.bulkInterval)  // the bulk actions' pace
                    guard loading.value.load(ordering: .relaxed) else { break }
                    let path = "/api/crypto/commands/\(pause ? "pause_all" : "resume_all")/?timeout=\(plan.commandTimeout)"
                    pause.toggle()
                    let result = try await RESTLoad.run(
                        port: httpPort, paths: [path], connections: 1, requests: 1, token: token, group: group)
                    for (status, count) in result.statuses { statuses[status, default: 0] += count }
                }
                return .bulk(statuses)
            }
            var total = Outcome(
                pings: .init(latencies: [], statuses: [:], failures: 0, elapsed: .zero), bulkStatuses: [:], churned: 0, reconnects: 0)
            for try await part in tasks {
                switch part {
                case .pings(let pings): total.pings = pings
                case .churned(let churned): total.churned = churned
                case .bulk(let statuses): total.bulkStatuses = statuses
                }
            }
            total.reconnects = swarm.welcomeCount - welcomesBefore
            return total
        }
    }

    /// What each of the soak's three tasks reports.
    private enum Part: Sendable {
        case pings(RESTLoad.Result)
        case churned(Int)
        case bulk([Int: Int])
    }

    /// Whether the steady load still runs, shared by the soak's tasks.
    private final class Flag: Sendable {
        let value = Atomic<Bool>(true)
    }
}
