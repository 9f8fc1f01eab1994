import Foundation
import HeapModule
import Synchronization
import Wire

/// The commands waiting for an answer, each with its caller's continuation and its deadline.
///
/// Contract: every entry is removed exactly once — by its ack, its deadline, the end of its
/// session, or its caller's cancellation — and its continuation is resumed exactly once, after
/// the lock is released. Nothing else holds a continuation, so nothing can wait forever or be
/// resumed twice.
package final class PendingCommandTable: Sendable {
    package struct Entry {
        package let agentID: UUID
        package let sessionID: UUID
        package let deadline: Duration
        package let timeout: Duration
        package var state: CommandState
        package var sentAt: Date?
        package let continuation: CheckedContinuation<Resolution, Never>

        package init(
            agentID: UUID,
            sessionID: UUID,
            deadline: Duration,
            timeout: Duration,
            state: CommandState,
            sentAt: Date? = nil,
            continuation: CheckedContinuation<Resolution, Never>
        ) {
            self.agentID = agentID
            self.sessionID = sessionID
            self.deadline = deadline
            self.timeout = timeout
            self.state = state
            self.sentAt = sentAt
            self.continuation = continuation
        }

        package func resume(_ outcome: CommandOutcome) {
            self.continuation.resume(returning: Resolution(outcome: outcome, sentAt: self.sentAt))
        }
    }

    /// What the table knew of a command at the moment it was resolved.
    package struct Resolution {
        package let outcome: CommandOutcome
        package let sentAt: Date?

        package init(
            outcome: CommandOutcome,
            sentAt: Date? = nil
        ) {
            self.outcome = outcome
            self.sentAt = sentAt
        }
    }

    private struct Deadline: Comparable {
        let at: Duration
        let id: UUID
        static func < (lhs: Self, rhs: Self) -> Bool { lhs.at < rhs.at }
        static func == (lhs: Self, rhs: Self) -> Bool { lhs.at == rhs.at && lhs.id == rhs.id }
    }

    private struct Storage {
        var entries: [UUID: Entry] = [:]
        var bySession: [UUID: Set<UUID>] = [:]
        var deadlines = Heap<Deadline>()
        var sweeperWake: CheckedContinuation<Void, Never>?

        mutating func remove(_ id: UUID) -> Entry? {
            guard let entry = self.entries.removeValue(forKey: id) else { return nil }
            if var ids = self.bySession[entry.sessionID] {
                ids.remove(id)
                self.bySession[entry.sessionID] = ids.isEmpty ? nil : ids
            }
            return entry
        }
    }

    private let storage = Mutex(Storage())

    /// Commands currently waiting.
    package var count: Int { self.storage.withLock { $0.entries.count } }

    /// Adds a waiting command; false (and nothing changes) if `id` is already waiting. Wakes the
    /// deadline sweeper if it was idle.
    package func insert(_ id: UUID, _ entry: Entry) -> Bool {
        let (inserted, wake) = self.storage.withLock { storage -> (Bool, CheckedContinuation<Void, Never>?) in
            guard storage.entries[id] == nil else { return (false, nil) }
            storage.entries[id] = entry
            storage.bySession[entry.sessionID, default: []].insert(id)
            storage.deadlines.insert(Deadline(at: entry.deadline, id: id))
            defer { storage.sweeperWake = nil }
            return (true, storage.sweeperWake)
        }
        wake?.resume()
        return inserted
    }

    /// Records that the command is on the wire; false if it was already resolved (or sent).
    @discardableResult
    package func markSent(_ id: UUID, at date: Date) -> Bool {
        self.storage.withLock { storage in
            guard storage.entries[id]?.state.canTransition(to: .sent) == true else { return false }
            storage.entries[id]?.state = .sent
            storage.entries[id]?.sentAt = date
            return true
        }
    }

    /// Resolves one command if it is still waiting and belongs to `agentID` (when given).
    /// Returns false for unknown, late or foreign ids, which are then ignored.
    @discardableResult
    package func resolve(_ id: UUID, with outcome: CommandOutcome, agentID: UUID? = nil) -> Bool {
        let entry = self.storage.withLock { storage -> Entry? in
            if let agentID, storage.entries[id]?.agentID != agentID { return nil }
            return storage.remove(id)
        }
        guard let entry else { return false }
        entry.resume(outcome)
        return true
    }

    /// Fails every command of a session that ended; returns how many there were.
    @discardableResult
    package func resolveSession(_ sessionID: UUID, with outcome: CommandOutcome) -> Int {
        let entries = self.storage.withLock { storage -> [Entry] in
            guard let ids = storage.bySession.removeValue(forKey: sessionID) else { return [] }
            return ids.compactMap { storage.entries.removeValue(forKey: $0) }
        }
        for entry in entries { entry.resume(outcome) }
        return entries.count
    }

    /// Times out every command whose deadline is at or before `now`.
    @discardableResult
    package func expire(now: Duration) -> Int {
        let expired = self.storage.withLock { storage -> [Entry] in
            var expired: [Entry] = []
            while let next = storage.deadlines.min, next.at <= now {
                storage.deadlines.removeMin()
                if let entry = storage.entries[next.id], entry.deadline == next.at, let removed = storage.remove(next.id) {
                    expired.append(removed)
                }
            }
            // Resolved commands leave their deadline behind; rebuild when they dominate.
            if storage.deadlines.count > 1024, storage.deadlines.count > 4 * storage.entries.count {
                storage.deadlines = Heap(storage.entries.map { Deadline(at: $0.value.deadline, id: $0.key) })
            }
            return expired
        }
        for entry in expired { entry.resume(.timedOut(after: entry.timeout)) }
        return expired.count
    }

    /// The earliest deadline still in the heap, if any command waits.
    package var nextDeadline: Duration? {
        self.storage.withLock { $0.entries.isEmpty ? nil : $0.deadlines.min?.at }
    }

    /// Suspends until a command is inserted; returns at once if any is waiting or on cancellation.
    package func waitUntilNotEmpty() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = self.storage.withLock { storage -> Bool in
                    if !storage.entries.isEmpty || Task.isCancelled { return true }
                    storage.sweeperWake = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let wake = self.storage.withLock { storage -> CheckedContinuation<Void, Never>? in
                defer { storage.sweeperWake = nil }
                return storage.sweeperWake
            }
            wake?.resume()
        }
    }
}
