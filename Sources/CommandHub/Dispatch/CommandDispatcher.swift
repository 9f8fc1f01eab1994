import Foundation
import Logging
import Synchronization
import Wire

/// Turns a request into a command on an agent's stream and waits for its one outcome.
///
/// The path of every command: `send` → the journal's record and a pending entry → the agent's
/// outbox → the session's writer puts it on the stream (`markSent`) → the agent's ack comes
/// back through `acknowledge` → the same pending entry resolves the caller's waiter → the
/// journal records the final state. Deadlines are enforced by `run()`, the sweeper, which the
/// hub runs as a service.
public final class CommandDispatcher: Sendable {
    let registry: AgentRegistry
    let clock: MonotonicClock
    let journal: any CommandJournal
    let pending = PendingCommandTable()
    private let deadlineResolution: Duration
    private let observers = Mutex<[@Sendable (CommandReport) -> Void]>([])
    private let reconciliationObservers = Mutex<[@Sendable (Reconciliation) -> Void]>([])
    private let ignoredAcks = Atomic<Int>(0)
    /// Commands that ended without their ack after being sent: a late ack for one of these is
    /// journaled as the agent's later word; any other unknown ack is only counted.
    private let unanswered = Mutex(RecentSet<UUID>(capacity: 16_384))
    private let logger: Logger

    public init(
        registry: AgentRegistry, journal: any CommandJournal = NoJournal(), clock: MonotonicClock = .continuous,
        deadlineResolution: Duration = .milliseconds(10), logger: Logger = Logger(label: "commandhub.dispatch")
    ) {
        self.registry = registry
        self.journal = journal
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

    /// Registers a callback for the agent's later word on an unanswered command (a late ack or
    /// a reconciliation lookup's answer); called synchronously, keep it short.
    public func observeReconciliations(_ observer: @escaping @Sendable (Reconciliation) -> Void) {
        self.reconciliationObservers.withLock { $0.append(observer) }
    }

    private func reconciled(_ id: UUID, agentID: UUID, ack: Commandhub_V1_CommandAck?) {
        self.journal.commandReconciled(id, agentID: agentID, ack: ack, at: Date())
        let event = Reconciliation(commandID: id, agentID: agentID, executed: ack != nil, ack: ack)
        for observer in self.reconciliationObservers.withLock({ $0 }) { observer(event) }
    }

    /// Sends one command to one agent and returns when it is final: answered, timed out,
    /// undeliverable or cancelled (if the calling task is cancelled). Never throws, never hangs
    /// past `timeout` plus the sweeper's resolution. With `durable`, the command is on disk in
    /// the journal before it is sent (sells); if it cannot be recorded it is not sent.
    public func send(
        _ action: Commandhub_V1_Command.OneOf_Action, to agentID: UUID, timeout: Duration,
        origin: CommandOrigin = CommandOrigin(), durable: Bool = false, commandID: UUID = UUID()
    ) async -> CommandReport {
        let issuedAt = Date()
        let record = CommandRecord(
            commandID: commandID, agentID: agentID, action: action.name, parameters: String(decoding: action.parameters.serialized(), as: UTF8.self),
            requestedBy: origin.requestedBy, jobID: origin.jobID, idempotencyKey: origin.idempotencyKey,
            timeout: timeout, createdAt: issuedAt
        )
        func end(_ outcome: CommandOutcome, sentAt: Date? = nil) -> CommandReport {
            self.finish(CommandReport(
                commandID: commandID, agentID: agentID, action: action, origin: origin, outcome: outcome, timeout: timeout,
                issuedAt: issuedAt, sentAt: sentAt, finishedAt: Date()
            ))
        }
        do {
            try await self.journal.commandCreated(record, durable: durable)
        } catch {
            // Not recorded, so not sent: nothing about it may happen unwritten.
            return self.finish(CommandReport(
                commandID: commandID, agentID: agentID, action: action, origin: origin,
                outcome: .undeliverable(.notRecorded(error.message)), timeout: timeout,
                issuedAt: issuedAt, sentAt: nil, finishedAt: Date(), recorded: false
            ))
        }
        guard let session = self.registry.session(for: agentID) else { return end(.undeliverable(.notConnected)) }

        var command = Commandhub_V1_Command()
        command.commandID = commandID.lowercased
        command.issuedAtMs = WireTime.milliseconds(issuedAt)
        command.deadlineMs = command.issuedAtMs + timeout.wholeMilliseconds
        command.action = action
        let resolution = await self.wait(for: command, id: commandID, on: session, agentID: agentID, timeout: timeout)
        return end(resolution.outcome, sentAt: resolution.sentAt)
    }

    /// Asks an agent, without any risk of execution, what became of a command that ended
    /// without its answer: the agent answers from its record of finished commands, or refuses
    /// with `not_executed` (and will never execute that id). Journals the answer as the
    /// command's reconciliation — unless it is `outcome_unknown` again; returns nil when the
    /// agent could not be asked.
    @discardableResult
    func reconcile(_ commandID: UUID, with agentID: UUID, timeout: Duration) async -> Commandhub_V1_CommandAck? {
        guard let session = self.registry.session(for: agentID) else { return nil }
        var command = Commandhub_V1_Command()
        command.commandID = commandID.lowercased
        command.issuedAtMs = WireTime.nowMilliseconds()
        command.deadlineMs = command.issuedAtMs + timeout.wholeMilliseconds
        command.lookupOnly = true
        let resolution = await self.wait(for: command, id: commandID, on: session, agentID: agentID, timeout: timeout)
        guard case .answered(let ack) = resolution.outcome else { return nil }
        // Still unknown to the agent's exchange: nothing to journal; the next reconnect asks again.
        guard ack.errorCode != "outcome_unknown" else { return ack }
        let executed = ack.errorCode != "not_executed"
        self.reconciled(commandID, agentID: agentID, ack: executed ? ack : nil)
        return ack
    }

    /// The pending entry, the enqueue and the wait: the part of a send every command shares.
    private func wait(
        for command: Commandhub_V1_Command, id: UUID, on session: AgentSession, agentID: UUID, timeout: Duration
    ) async -> PendingCommandTable.Resolution {
        let deadline = self.clock.now + timeout
        let pending = self.pending
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<PendingCommandTable.Resolution, Never>) in
                guard pending.insert(id, .init(
                    agentID: agentID, sessionID: session.sessionID, deadline: deadline, timeout: timeout,
                    state: .pending, sentAt: nil, continuation: continuation
                )) else {
                    continuation.resume(returning: .init(outcome: .undeliverable(.sendFailed("command id already in flight")), sentAt: nil))
                    return
                }
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
    }

    /// Called by a session's writer once the command is on the stream.
    func markSent(_ id: UUID) {
        let now = Date()
        if self.pending.markSent(id, at: now) { self.journal.commandSent(id, at: now) }
    }

    /// Resolves the pending command an ack answers. Acks for unknown, finished or another
    /// agent's commands are counted and ignored — a late ack of a command that ended
    /// unanswered is kept in the journal as the agent's later word. Returns false for an ack
    /// that answered nothing the hub asked (the link counts those against the agent).
    @discardableResult
    func acknowledge(_ ack: Commandhub_V1_CommandAck, from session: AgentSession) -> Bool {
        session.apply(ack)
        guard let id = UUID(text: ack.commandID), let agentID = session.identity?.agentID else {
            self.ignoredAcks.add(1, ordering: .relaxed)
            return false
        }
        if self.pending.resolve(id, with: .answered(ack), agentID: agentID) { return true }
        self.ignoredAcks.add(1, ordering: .relaxed)
        if self.unanswered.withLock({ $0.remove(id) }) {
            self.reconciled(id, agentID: agentID, ack: ack.errorCode == "not_executed" ? nil : ack)
            return true
        }
        self.logger.debug("ignored ack", metadata: ["command_id": "\(ack.commandID.prefix(64))"])
        return false
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

    private func finish(_ report: CommandReport) -> CommandReport {
        if report.sentAt != nil, report.ack == nil {
            self.unanswered.withLock { $0.insert(report.commandID) }
        }
        if report.recorded { self.journal.commandFinished(report) }
        for observer in self.observers.withLock({ $0 }) { observer(report) }
        return report
    }
}

/// What an agent said, after the fact, about a command that ended without its answer.
public struct Reconciliation: Sendable {
    public let commandID: UUID
    public let agentID: UUID
    /// Whether the agent had executed it.
    public let executed: Bool
    /// The agent's recorded answer, when it executed it.
    public let ack: Commandhub_V1_CommandAck?
}

/// A set that forgets its oldest members beyond `capacity`.
struct RecentSet<Element: Hashable & Sendable>: Sendable {
    private var members: Set<Element> = []
    private var order: [Element] = []
    private var head = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    mutating func insert(_ element: Element) {
        guard self.members.insert(element).inserted else { return }
        self.order.append(element)
        if self.members.count > self.capacity {
            while self.head < self.order.count, !self.members.contains(self.order[self.head]) { self.head += 1 }
            if self.head < self.order.count {
                self.members.remove(self.order[self.head])
                self.head += 1
            }
        }
        if self.head > self.capacity {
            self.order.removeFirst(self.head)
            self.head = 0
        }
    }

    /// Removes `element`; returns whether it was a member.
    mutating func remove(_ element: Element) -> Bool {
        self.members.remove(element) != nil
    }
}
