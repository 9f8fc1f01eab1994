import Foundation
import Logging
import Synchronization
import Wire

/// Turns a request into a command on an agent's stream and waits for its one outcome.
///
/// The path of every command: `send` → a pending entry and the agent's outbox → the session's
/// writer puts it on the stream (`markSent`) → the agent's ack comes back through
/// `acknowledge` → the same pending entry resolves the caller's continuation. Deadlines are
/// enforced by `run()`, the sweeper, which the hub runs as part of its service group.
public final class CommandDispatcher: Sendable {
    let registry: AgentRegistry
    let clock: MonotonicClock
    let pending = PendingCommandTable()
    private let deadlineResolution: Duration
    private let observers = Mutex<[@Sendable (CommandReport) -> Void]>([])
    private let ignoredAcks = Atomic<Int>(0)
    private let logger: Logger

    public init(registry: AgentRegistry, clock: MonotonicClock = .continuous, deadlineResolution: Duration = .milliseconds(10), logger: Logger = Logger(label: "commandhub.dispatch")) {
        self.registry = registry
        self.clock = clock
        self.deadlineResolution = deadlineResolution
        self.logger = logger
    }

    /// Commands waiting for an answer right now.
    public var pendingCount: Int { self.pending.count }

    /// Acks that matched no waiting command (late, unknown or foreign ids), since start.
    public var ignoredAckCount: Int { self.ignoredAcks.load(ordering: .relaxed) }

    /// Registers a callback for every final report; called on the resolving task, keep it short.
    public func observe(_ observer: @escaping @Sendable (CommandReport) -> Void) {
        self.observers.withLock { $0.append(observer) }
    }

    /// Sends one command to one agent and returns when it is final: answered, timed out,
    /// undeliverable or cancelled (if the calling task is cancelled). Never throws, never hangs
    /// past `timeout` plus the sweeper's resolution.
    public func send(_ action: Commandhub_V1_Command.OneOf_Action, to agentID: UUID, timeout: Duration) async -> CommandReport {
        let id = UUID()
        let issuedAt = Date()
        guard let session = self.registry.session(for: agentID) else {
            return self.finish(id: id, agentID: agentID, action: action, timeout: timeout, issuedAt: issuedAt,
                               resolution: .init(outcome: .undeliverable(.notConnected), sentAt: nil))
        }
        var command = Commandhub_V1_Command()
        command.commandID = id.lowercased
        command.issuedAtMs = WireTime.milliseconds(issuedAt)
        command.deadlineMs = command.issuedAtMs + timeout.wholeMilliseconds
        command.action = action
        let deadline = self.clock.now + timeout
        let pending = self.pending

        let resolution = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<PendingCommandTable.Resolution, Never>) in
                pending.insert(id, .init(
                    agentID: agentID, sessionID: session.sessionID, deadline: deadline, timeout: timeout,
                    state: .pending, sentAt: nil, continuation: continuation
                ))
                switch session.enqueue(command, id: id) {
                case .queued:
                    break
                case .closed:
                    pending.resolve(id, with: .undeliverable(.streamEnded(session.endReason?.description ?? "session closed")))
                case .full:
                    pending.resolve(id, with: .undeliverable(.sendFailed("the agent's outbox is full")))
                }
                // A cancellation that raced the insert found nothing to resolve; settle it here.
                if Task.isCancelled { pending.resolve(id, with: .cancelled) }
            }
        } onCancel: {
            pending.resolve(id, with: .cancelled)
        }
        return self.finish(id: id, agentID: agentID, action: action, timeout: timeout, issuedAt: issuedAt, resolution: resolution)
    }

    /// Called by a session's writer once the command is on the stream.
    func markSent(_ id: UUID) {
        self.pending.markSent(id, at: Date())
    }

    /// Resolves the pending command an ack answers. Acks for unknown, finished or another
    /// agent's commands are counted and ignored.
    func acknowledge(_ ack: Commandhub_V1_CommandAck, from session: AgentSession) {
        session.updateStatus(ack.status)
        guard let id = UUID(uuidString: ack.commandID), let agentID = session.identity?.agentID,
              self.pending.resolve(id, with: .answered(ack), agentID: agentID)
        else {
            self.ignoredAcks.add(1, ordering: .relaxed)
            self.logger.debug("ignored ack", metadata: ["command_id": "\(ack.commandID.prefix(64))"])
            return
        }
    }

    /// Fails every command still waiting on a session that ended, at once.
    func sessionEnded(_ session: AgentSession) {
        let why = session.endReason?.description ?? "session closed"
        let failed = self.pending.resolveSession(session.sessionID, with: .undeliverable(.streamEnded(why)))
        if failed > 0 {
            self.logger.info("failed commands of ended session", metadata: ["count": "\(failed)", "reason": "\(why)"])
        }
    }

    /// The deadline sweeper: times out waiting commands. Runs until cancelled.
    public func run() async {
        while !Task.isCancelled {
            guard let next = self.pending.nextDeadline else {
                await self.pending.waitUntilNotEmpty()
                continue
            }
            let wake = min(next, self.clock.now + self.deadlineResolution)
            do { try await self.clock.sleep(until: wake) } catch { break }
            self.pending.expire(now: self.clock.now)
        }
    }

    private func finish(
        id: UUID, agentID: UUID, action: Commandhub_V1_Command.OneOf_Action, timeout: Duration,
        issuedAt: Date, resolution: PendingCommandTable.Resolution
    ) -> CommandReport {
        let report = CommandReport(
            commandID: id, agentID: agentID, action: action, outcome: resolution.outcome, timeout: timeout,
            issuedAt: issuedAt, sentAt: resolution.sentAt, finishedAt: Date()
        )
        for observer in self.observers.withLock({ $0 }) { observer(report) }
        return report
    }
}
