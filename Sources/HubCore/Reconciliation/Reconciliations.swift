import Foundation
import Synchronization
import Wire

/// The agents' later word on commands that ended without their answer: a late ack, or the
/// answer to a reconciliation lookup. Recorded in the journal and reported to observers.
///
/// Which commands may still get a later word is remembered here (bounded): a command that was
/// sent and then ended unanswered. A late ack for one of those is the agent's later word; any
/// other unknown ack is only ignored by the dispatcher.
package final class Reconciliations: Sendable {
    private let journal: any CommandJournal
    private let unanswered = Mutex(RecentSet<UUID>(capacity: 16_384))
    private let observers = Mutex<[@Sendable (Reconciliation) -> Void]>([])

    package init(journal: any CommandJournal) {
        self.journal = journal
    }

    /// Registers a callback for every later word (tests and tools); called synchronously.
    package func observe(_ observer: @escaping @Sendable (Reconciliation) -> Void) {
        self.observers.withLock { $0.append(observer) }
    }

    /// A command ended sent but unanswered: a later ack for it will be kept.
    package func awaitLaterWord(_ id: UUID) {
        self.unanswered.withLock { $0.insert(id) }
    }

    /// An ack that matched no waiting command: records it if it is the later word on a command
    /// that ended unanswered. Returns whether it was.
    package func lateAck(_ ack: Commandhub_V1_CommandAck, id: UUID, agentID: UUID) -> Bool {
        // Still unknown to the agent's exchange: not the later word yet; a lookup asks again.
        if ack.errorCode == WireCodes.outcomeUnknown { return self.unanswered.withLock { $0.contains(id) } }
        guard self.unanswered.withLock({ $0.remove(id) }) else { return false }
        self.record(id, agentID: agentID, ack: ack.errorCode == WireCodes.notExecuted ? nil : ack)
        return true
    }

    /// A lookup's answer: `ack` nil means the agent never executed the command.
    package func record(_ id: UUID, agentID: UUID, ack: Commandhub_V1_CommandAck?) {
        self.journal.commandReconciled(id, agentID: agentID, ack: ack, at: Date())
        let event = Reconciliation(commandID: id, agentID: agentID, executed: ack != nil, ack: ack)
        for observer in self.observers.withLock({ $0 }) { observer(event) }
    }
}

/// What an agent said, after the fact, about a command that ended without its answer.
package struct Reconciliation: Sendable {
    package let commandID: UUID
    package let agentID: UUID
    /// Whether the agent had executed it.
    package let executed: Bool
    /// The agent's recorded answer, when it executed it.
    package let ack: Commandhub_V1_CommandAck?

    package init(
        commandID: UUID,
        agentID: UUID,
        executed: Bool,
        ack: Commandhub_V1_CommandAck? = nil
    ) {
        self.commandID = commandID
        self.agentID = agentID
        self.executed = executed
        self.ack = ack
    }
}

/// A set that forgets its oldest members beyond `capacity`.
package struct RecentSet<Element: Hashable & Sendable>: Sendable {
    private var members: Set<Element> = []
    private var order: [Element] = []
    private var head = 0
    package let capacity: Int

    package init(capacity: Int) { self.capacity = capacity }

    package mutating func insert(_ element: Element) {
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

    package func contains(_ element: Element) -> Bool {
        self.members.contains(element)
    }

    /// Removes `element`; returns whether it was a member.
    package mutating func remove(_ element: Element) -> Bool {
        self.members.remove(element) != nil
    }
}
