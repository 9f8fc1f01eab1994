import DaemonSupport
import Foundation
import Logging
import Synchronization
import Wire

/// Turns a request into a command on an agent's stream and waits for its one outcome.
///
/// The path of every command: `send` → the journal's record and a pending entry → the agent's
/// session (`AgentSession.enqueue`) → its stream writes it and the link reports the write
/// (`commandWritten`: now it is sent) → the agent's ack comes back through the link
/// (`acknowledge`) → the same pending entry resumes the caller → the journal and the sinks
/// learn the final state. A session's end fails its waiting commands at once
/// (`sessionEnded`); deadlines are enforced by `run()`, the sweeper, which the hub runs as a
/// service. The dispatcher never touches a session's state: the link records what an ack says
/// about the agent before it hands the ack over.
package final class CommandDispatcher: Sendable {
    package let registry: AgentRegistry
    package let clock: MonotonicClock
    package let journal: any CommandJournal
    package let sinks: [any CommandSink]
    /// The agents' later word on commands that ended unanswered.
    package let reconciliations: Reconciliations
    package let pending = PendingCommandTable()
    private let deadlineResolution: Duration
    private let ignoredAcks = Atomic<Int>(0)
    private let logger: Logger

    package init(
        registry: AgentRegistry, journal: any CommandJournal = NoJournal(), sinks: [any CommandSink] = [],
        clock: MonotonicClock = .continuous, deadlineResolution: Duration = .milliseconds(10),
        logger: Logger = Logger(label: "commandhub.dispatch")
    ) {
        self.registry = registry
        self.journal = journal
        self.sinks = sinks
        self.reconciliations = Reconciliations(journal: journal)
        self.clock = clock
        self.deadlineResolution = deadlineResolution
        self.logger = logger
    }

    /// Commands waiting for an answer right now.
    package var pendingCount: Int { self.pending.count }

    /// Acks that matched no waiting command (late, unknown or foreign ids), since start.
    package var ignoredAckCount: Int { self.ignoredAcks.load(ordering: .relaxed) }

    /// Registers a callback for the agents' later word on unanswered commands (tools and
    /// tests; the journal records every one anyway). Called synchronously, keep it short.
    package func observeReconciliations(_ observer: @escaping @Sendable (Reconciliation) -> Void) {
        self.reconciliations.observe(observer)
    }

    /// Sends one command to one agent and returns when it is final: answered, timed out,
    /// undeliverable or cancelled (if the calling task is cancelled). Never throws, never hangs
    /// past `timeout` plus the sweeper's resolution. With `durable`, the command is on disk in
    /// the journal before it is sent (sells); if it cannot be recorded it is not sent.
    package func send(
        _ action: Commandhub_V1_Command.OneOf_Action, to agentID: UUID, timeout: Duration,
        origin: CommandOrigin = CommandOrigin(), durable: Bool = false, commandID: UUID = UUID.random()
    ) async -> CommandReport {
        let issuedAt = Date()
        let record = CommandRecord(
            commandID: commandID, agentID: agentID, action: action.name, parameters: action.parameters.text,
            requestedBy: origin.requestedBy, jobID: origin.jobID, idempotencyKey: origin.idempotencyKey,
            timeout: timeout, createdAt: issuedAt
        )
        func end(_ outcome: CommandOutcome, sentAt: Date? = nil, recorded: Bool = true) -> CommandReport {
            self.finish(
                CommandReport(
                    commandID: commandID, agentID: agentID, action: action, origin: origin, outcome: outcome, timeout: timeout,
                    issuedAt: issuedAt, sentAt: sentAt, finishedAt: Date(), recorded: recorded
                ))
        }
        do {
            try await self.journal.commandCreated(record, durable: durable)
        } catch {
            // Not recorded, so not sent: nothing about it may happen unwritten.
            return end(.undeliverable(.notRecorded(error.message)), recorded: false)
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
    /// with `not_executed` (and will never execute that id). Records the answer as the
    /// command's reconciliation — unless it is `outcome_unknown` again (the agent's exchange
    /// cannot tell yet; the next reconnect asks again); returns nil when the agent could not be
    /// asked.
    @discardableResult
    package func lookUp(_ commandID: UUID, on agentID: UUID, timeout: Duration) async -> Commandhub_V1_CommandAck? {
        guard let session = self.registry.session(for: agentID) else { return nil }
        var command = Commandhub_V1_Command()
        command.commandID = commandID.lowercased
        command.issuedAtMs = WireTime.nowMilliseconds()
        command.deadlineMs = command.issuedAtMs + timeout.wholeMilliseconds
        command.lookupOnly = true
        let resolution = await self.wait(for: command, id: commandID, on: session, agentID: agentID, timeout: timeout)
        guard case .answered(let ack) = resolution.outcome else { return nil }
        guard ack.errorCode != WireCodes.outcomeUnknown else { return ack }
        self.reconciliations.record(commandID, agentID: agentID, ack: ack.errorCode == WireCodes.notExecuted ? nil : ack)
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
                guard
                    pending.insert(
                        id,
                        .init(
                            agentID: agentID, sessionID: session.sessionID, deadline: deadline, timeout: timeout,
                            state: .pending, sentAt: nil, continuation: continuation
                        ))
                else {
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

    // MARK: What the link reports

    /// A command's write to its agent's stream is done: it is sent now — or it could not be
    /// written (nothing reached the agent), and fails at once.
    package func commandWritten(_ id: UUID, succeeded: Bool) {
        guard succeeded else {
            self.pending.resolve(id, with: .undeliverable(.sendFailed("the command could not be written to the agent's stream")))
            return
        }
        let now = Date()
        if self.pending.markSent(id, at: now) { self.journal.commandSent(id, at: now) }
    }

    /// Resolves the pending command an ack of agent `agentID` answers. Acks for unknown,
    /// finished or another agent's commands are counted and ignored — a late ack of a command
    /// that ended unanswered is kept as the agent's later word. Returns false for an ack that
    /// answered nothing the hub asked (the link counts those against the agent).
    package func acknowledge(_ ack: Commandhub_V1_CommandAck, from agentID: UUID) -> Bool {
        guard let id = UUID(text: ack.commandID) else {
            self.ignoredAcks.add(1, ordering: .relaxed)
            return false
        }
        if self.pending.resolve(id, with: .answered(ack), agentID: agentID) { return true }
        self.ignoredAcks.add(1, ordering: .relaxed)
        if self.reconciliations.lateAck(ack, id: id, agentID: agentID) { return true }
        self.logger.debug("ignored ack", metadata: ["command_id": "\(ack.commandID.prefix(64))"])
        return false
    }

    /// Fails every command still waiting on a session that ended, at once. Called once per
    /// session, by the link, when the session ends.
    package func sessionEnded(_ sessionID: UUID, reason: SessionEnd) {
        let failed = self.pending.resolveSession(sessionID, with: .undeliverable(.streamEnded(reason.description)))
        if failed > 0 {
            self.logger.info("failed commands of ended session", metadata: ["count": "\(failed)", "reason": "\(reason.description)"])
        }
    }

    // MARK: Deadlines

    /// The deadline sweeper: times out waiting commands. Runs until cancelled.
    package func run() async {
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
        if report.sentAt != nil, report.ack == nil { self.reconciliations.awaitLaterWord(report.commandID) }
        if report.recorded { self.journal.commandFinished(report) }
        for sink in self.sinks { sink.commandFinished(report) }
        return report
    }
}
