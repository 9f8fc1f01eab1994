import Foundation
import Synchronization
import Wire

/// The agents' later word on commands that ended without their answer: a late ack, or the
/// answer to a reconciliation lookup. Recorded in the journal and reported to observers.
///
/// Which commands may still get a later word is remembered here (bounded): a command that was
/// sent and then ended unanswered. A late ack for one of those is the agent's later word; any
/// other unknown ack is only ignored by the dispatcher.
final class Reconciliations: Sendable {
    private let journal: any CommandJournal
    private let unanswered = Mutex(RecentSet<UUID>(capacity: 16_384))
    private let observers = Mutex<[@Sendable (Reconciliation) -> Void]>([])

    init(journal: any CommandJournal) {
        self.journal = journal
    }

    /// Registers a callback for every later word (tests and tools); called synchronously.
    func observe(_ observer: @escaping @Sendable (Reconciliation) -> Void) {
        self.observers.withLock { $0.append(observer) }
    }

    /// A command ended sent but unanswered: a later ack for it will be kept.
    func awaitLaterWord(_ id: UUID) {
        self.unanswered.withLock { $0.insert(id) }
    }

    /// An ack that matched no waiting command: records it if it is the later word on a command
    /// that ended unanswered. Returns whether it was.
    func lateAck(_ ack: Commandhub_V1_CommandAck, id: UUID, agentID: UUID) -> Bool {
        guard self.unanswered.withLock({ $0.remove(id) }) else { return false }
        self.record(id, agentID: agentID, ack: ack.errorCode == WireCodes.notExecuted ? nil : ack)
        return true
    }

    /// A lookup's answer: `ack` nil means the agent never executed the command.
    func record(_ id: UUID, agentID: UUID, ack: Commandhub_V1_CommandAck?) {
        self.journal.commandReconciled(id, agentID: agentID, ack: ack, at: Date())
        let event = Reconciliation(commandID: id, agentID: agentID, executed: ack != nil, ack: ack)
        for observer in self.observers.withLock({ $0 }) { observer(event) }
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
