import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Many lightweight agents in one process, each with its own real HTTP/2 connection to a hub,
/// answering commands like real agents — the load a fleet puts on a hub.
///
/// Counters are atomics; `waitForConnected` suspends until enough agents are welcomed (an
/// event, not a poll). After a disconnect each agent reconnects with full-jitter exponential
/// backoff, as `crypto-agent` does, so a hub restart produces a realistic reconnect storm.
public final class Swarm: Sendable {
    public struct Settings: Sendable {
        public var host: String
        public var port: Int
        public var token: String
        public var labels: [String: String] = ["swarm": "true"]
        public var initialBackoff: TimeAmount = .milliseconds(500)
        public var maximumBackoff: TimeAmount = .seconds(30)
        /// When commands are answered: at once (the benchmark), later, or never (fault tests).
        public var answering: Answering = .immediately
        /// Keep a count of executions per command id (fault tests look for duplicates).
        public var recordExecutions = false

        public init(host: String = "127.0.0.1", port: Int, token: String) {
            self.host = host
            self.port = port
            self.token = token
        }
    }

    /// How the swarm's agents answer commands.
    public enum Answering: Sendable {
        case immediately
        case after(TimeAmount)
        case never
    }

    /// What a waiter counts.
    public enum Count: Sendable {
        /// Agents connected right now.
        case connected
        /// Welcomes since start (reconnects count again).
        case welcomes
        /// Commands received (lookups excluded).
        case received
        /// Lookups (`lookup_only`) answered.
        case lookups
    }

    private struct Waiter {
        let id: Int
        let count: Count
        let target: Int
        let continuation: CheckedContinuation<Void, Never>
    }

    let settings: Settings
    private let agents = Mutex<[SwarmAgent]>([])
    private let connected = Atomic<Int>(0)
    private let welcomes = Atomic<Int>(0)
    private let answers = Atomic<Int>(0)
    private let failedConnects = Atomic<Int>(0)
    private let waiters = Mutex<[Waiter]>([])
    private let executions = Mutex<[String: Int]>([:])
    private let received = Atomic<Int>(0)
    private let lookups = Atomic<Int>(0)
    private let nextWaiter = Atomic<Int>(0)

    /// `count` agents spread over `group`'s event loops; none connects before `start()`.
    public init(count: Int, settings: Settings, group: any EventLoopGroup, namePrefix: String = "swarm") {
        self.settings = settings
        let loops = Array(group.makeIterator())
        let built = (0..<count).map { index in
            SwarmAgent(
                agentID: UUID(), name: String(format: "\(namePrefix)-%05d", index), eventLoop: loops[index % loops.count], swarm: self)
        }
        self.agents.withLock { $0 = built }
    }

    private var all: [SwarmAgent] { self.agents.withLock { $0 } }

    /// The agents' ids, in creation order.
    public var agentIDs: [UUID] { self.all.map(\.agentID) }

    /// Connects every agent, spreading first connects over `spread`.
    public func start(spread: TimeAmount = .zero) {
        for agent in self.all {
            agent.connect(after: spread > .zero ? .nanoseconds(Int64.random(in: 0...spread.nanoseconds)) : .zero)
        }
    }

    /// Drops the connections of `count` agents picked at random (churn); they reconnect with
    /// backoff as real agents do.
    public func churn(_ count: Int) {
        for agent in self.all.shuffled().prefix(count) { agent.drop() }
    }

    /// Disconnects every agent and stops reconnecting.
    public func stop() async {
        for agent in self.all { try? await agent.stop().get() }
    }

    /// Agents currently welcomed by the hub.
    public var connectedCount: Int { self.connected.load(ordering: .relaxed) }
    /// Welcomes since start (counts reconnects).
    public var welcomeCount: Int { self.welcomes.load(ordering: .relaxed) }
    /// Commands answered since start.
    public var answeredCount: Int { self.answers.load(ordering: .relaxed) }
    /// Lookups (`lookup_only`) answered since start.
    public var lookupCount: Int { self.lookups.load(ordering: .relaxed) }
    /// Commands received since start (answered or not; lookups excluded).
    public var receivedCount: Int { self.received.load(ordering: .relaxed) }
    /// With `recordExecutions`: how often each command id was executed (lookups excluded).
    public var executionCounts: [String: Int] { self.executions.withLock { $0 } }
    /// Connection attempts that failed (the hub was down or refused).
    public var failedConnectCount: Int { self.failedConnects.load(ordering: .relaxed) }

    /// Returns once at least `target` agents are connected at the same time.
    public func waitForConnected(_ target: Int) async {
        await self.wait(until: .connected, reaches: target)
    }

    /// Returns once `count` has reached `target`, or the waiting task is cancelled. (`.received`
    /// is counted on the hot path, so its waiters are only woken when the settings ask to
    /// `recordExecutions`.)
    public func wait(until count: Count, reaches target: Int) async {
        let id = self.nextWaiter.add(1, ordering: .relaxed).newValue
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.waiters.withLock { waiters -> Bool in
                    if self.value(of: count) >= target || Task.isCancelled { return true }
                    waiters.append(Waiter(id: id, count: count, target: target, continuation: continuation))
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let cancelled = self.waiters.withLock { waiters -> CheckedContinuation<Void, Never>? in
                guard let index = waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return waiters.remove(at: index).continuation
            }
            cancelled?.resume()
        }
    }

    private func value(of count: Count) -> Int {
        switch count {
        case .connected: self.connected.load(ordering: .relaxed)
        case .welcomes: self.welcomes.load(ordering: .relaxed)
        case .received: self.received.load(ordering: .relaxed)
        case .lookups: self.lookups.load(ordering: .relaxed)
        }
    }

    /// Resumes the waiters whose count reached their target.
    private func wakeWaiters() {
        let ready = self.waiters.withLock { waiters -> [CheckedContinuation<Void, Never>] in
            let reached = waiters.filter { self.value(of: $0.count) >= $0.target }
            waiters.removeAll { self.value(of: $0.count) >= $0.target }
            return reached.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    // MARK: From the agents, on their event loops.

    func welcomed(_ agent: SwarmAgent) {
        self.welcomes.add(1, ordering: .relaxed)
        self.connected.add(1, ordering: .relaxed)
        self.wakeWaiters()
    }

    func disconnected(_ agent: SwarmAgent) {
        self.connected.subtract(1, ordering: .relaxed)
    }

    func answered() {
        self.answers.add(1, ordering: .relaxed)
    }

    func receivedCommand() {
        self.received.add(1, ordering: .relaxed)
        if self.settings.recordExecutions { self.wakeWaiters() }
    }

    func lookedUp() {
        self.lookups.add(1, ordering: .relaxed)
        self.wakeWaiters()
    }

    /// Records an execution; returns how many there were of this id before.
    func executed(_ commandID: String) -> Int {
        guard self.settings.recordExecutions else { return 0 }
        return self.executions.withLock { counts in
            defer { counts[commandID, default: 0] += 1 }
            return counts[commandID] ?? 0
        }
    }

    /// Whether this command id was executed (for lookups).
    func wasExecuted(_ commandID: String) -> Bool {
        self.executions.withLock { $0[commandID] != nil }
    }

    func connectFailed() {
        self.failedConnects.add(1, ordering: .relaxed)
    }
}
