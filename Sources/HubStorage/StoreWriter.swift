import Foundation
import GRDB
import HubCore
import Wire
import Logging
import Synchronization

/// The hub's one writer: every change to the database goes through here and is committed in
/// batches, so the command path never waits on the disk.
///
/// Contract: `append` takes a lock and appends to a buffer; `run()` drains everything appended
/// so far into one transaction (group commit: while one batch commits, the next gathers). Work
/// nobody waits for lingers up to `linger` before its batch is taken, so that at low load, too,
/// a transaction carries many commands instead of one (and the writer thread wakes once per
/// batch, not once per command); a durable write or a `flush` ends the linger at once.
/// Agent heartbeat state is coalesced to the newest snapshot per agent. `appendDurably` and
/// `flush` return once their writes are committed. When a commit fails (disk full, read-only
/// file) the batch goes back into the buffer and is retried with backoff; meanwhile
/// `isHealthy` is false, `append(new:)` refuses new commands with `storeUnavailable`, and
/// waiters fail at once. Follow-up writes of work already under way are never dropped: they
/// land when the disk recovers.
package final class StoreWriter: Sendable {
    private struct Item {
        let write: StoreWrite
        let durable: Bool
    }

    private struct Waiter {
        let id: UUID
        let upTo: UInt64
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var buffer: [Item] = []
        var agentStates: [UUID: AgentSnapshot] = [:]
        /// Sequence number of the newest write appended; a batch takes all up to it.
        var appended: UInt64 = 0
        var committed: UInt64 = 0
        var waiters: [Waiter] = []
        var wake: CheckedContinuation<Void, Never>?
        var failure: String?
        var recoveryWaiters = Waiters<Void>()
        var stopping = false
        /// The failure is the probe's (an idle store unreachable), not a batch's.
        var failedByProbe = false
        /// The writer is lingering: `wake` is resumed by its timer or by urgent work only.
        var lingering = false

        mutating func add(_ item: Item) -> CheckedContinuation<Void, Never>? {
            self.appended += 1
            self.buffer.append(item)
            return self.lingering && !item.durable ? nil : self.takeWake()
        }

        /// Someone waits for the next commit (a durable write, a flush) or the writer stops.
        var isUrgent: Bool { !self.waiters.isEmpty || self.stopping }

        mutating func takeWake() -> CheckedContinuation<Void, Never>? {
            defer { self.wake = nil }
            return self.wake
        }
    }

    private struct Batch {
        var items: [Item]
        var states: [UUID: AgentSnapshot]
        var upTo: UInt64
        var stop: Bool
        var isEmpty: Bool { self.items.isEmpty && self.states.isEmpty }
    }

    /// Where batches are committed (the SQLite file, or PostgreSQL).
    package let committer: any StoreCommitter
    /// How long work nobody waits for may wait for company before it is committed.
    package let linger: Duration
    private let state = Mutex(State())
    private let logger: Logger

    package init(committer: any StoreCommitter, linger: Duration = .milliseconds(10), logger: Logger) {
        self.committer = committer
        self.linger = linger
        self.logger = logger
    }

    /// A writer committing to the SQLite file `database`.
    package convenience init(database: HubDatabase, linger: Duration = .milliseconds(10), logger: Logger) {
        self.init(committer: SQLiteCommitter(database: database), linger: linger, logger: logger)
    }

    /// False while the last commit failed; new commands are refused until one succeeds.
    package var isHealthy: Bool { self.state.withLock { $0.failure == nil } }

    /// Why the last commit failed, while unhealthy.
    package var failure: String? { self.state.withLock { $0.failure } }

    /// Buffers a write that must not be lost (a follow-up of work already under way).
    package func append(_ write: StoreWrite) {
        let wake = self.state.withLock { $0.add(Item(write: write, durable: false)) }
        wake?.resume()
    }

    /// Buffers the first write of new work; refuses it while the store is failing.
    package func append(new write: StoreWrite) throws(HubError) {
        let result = self.state.withLock { state -> Result<CheckedContinuation<Void, Never>?, HubError> in
            if let failure = state.failure { return .failure(.storeUnavailable(failure)) }
            return .success(state.add(Item(write: write, durable: false)))
        }
        try result.get()?.resume()
    }

    /// Buffers a write and returns once it is committed. Throws `storeUnavailable` if it cannot
    /// be committed — the write is then dropped, so nobody may act on it.
    package func appendDurably(_ write: StoreWrite) async throws(HubError) {
        try await self.waitForCommit { state in
            if state.stopping { return .failure(.shuttingDown) }
            return .success(state.add(Item(write: write, durable: true)))
        }
    }

    /// Records an agent's latest live state; only the newest per agent is written. Does not
    /// wake the writer by itself: states ride along with the next batch, or `nudge()` (once a
    /// second) commits them — a heartbeat never costs a transaction of its own.
    package func updateAgentState(_ snapshot: AgentSnapshot) {
        self.state.withLock { state in
            state.appended += 1
            state.agentStates[snapshot.agentID] = snapshot
        }
    }

    /// Returns once the store accepts writes (at once if it does).
    package func waitUntilHealthy() async {
        await self.state.wait(in: \.recoveryWaiters) { $0.failure == nil ? () : nil }
    }

    /// Wakes the writer if agent states are waiting.
    package func nudge() {
        let wake = self.state.withLock { state in state.agentStates.isEmpty ? nil : state.takeWake() }
        wake?.resume()
    }

    /// Returns once everything appended before the call is committed.
    package func flush() async throws(HubError) {
        try await self.waitForCommit { state in .success(state.takeWake()) }
    }

    /// What registering a waiter found. `wake` is the writer's wake-up, taken by `prepare`: it
    /// must be resumed whatever the outcome.
    private enum Registration {
        case waiting(wake: CheckedContinuation<Void, Never>?)
        case alreadyCommitted(wake: CheckedContinuation<Void, Never>?)
        case refused(HubError)
    }

    /// Waits until everything appended up to and including `prepare`'s write is committed.
    /// Cancellation ends the wait (with `CancellationError`); the write itself stays buffered.
    private func waitForCommit(
        _ prepare: (inout State) -> Result<CheckedContinuation<Void, Never>?, HubError>
    ) async throws(HubError) {
        let id = UUID.random()
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let registration = self.state.withLock { state -> Registration in
                        if let failure = state.failure { return .refused(.storeUnavailable(failure)) }
                        if Task.isCancelled { return .refused(.shuttingDown) }
                        switch prepare(&state) {
                        case .failure(let error):
                            return .refused(error)
                        case .success(let wake):
                            if state.committed >= state.appended { return .alreadyCommitted(wake: wake) }
                            state.waiters.append(Waiter(id: id, upTo: state.appended, continuation: continuation))
                            return .waiting(wake: wake)
                        }
                    }
                    switch registration {
                    case .waiting(let wake):
                        wake?.resume()
                    case .alreadyCommitted(let wake):
                        wake?.resume()
                        continuation.resume()
                    case .refused(let error):
                        continuation.resume(throwing: error)
                    }
                }
            } onCancel: {
                let waiter = self.state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
        } catch let error as HubError {
            throw error
        } catch is CancellationError {
            throw .shuttingDown
        } catch {
            throw .storeUnavailable("\(error)")
        }
    }

    /// The writer loop. On cancellation it commits what is buffered and returns.
    package func run() async {
        var backoff = Duration.milliseconds(50)
        while true {
            let batch = await self.nextBatch()
            if batch.isEmpty {
                if batch.stop { return }
                continue
            }
            do {
                let writes = StoreWriter.fold(batch.items.map(\.write))
                try await self.committer.commit(writes, states: Array(batch.states.values), final: batch.stop)
                backoff = .milliseconds(50)
                self.committed(batch)
            } catch let rejected as StoreBatchRejected {
                self.rejected(batch, reason: rejected.reason)
                if batch.stop { return }
            } catch {
                self.failed(batch, error: error)
                if batch.stop { return }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(2))
            }
        }
    }

    /// Waits for work, lingers unless it is urgent, then takes all of it. Cancellation asks for
    /// one last batch.
    private func nextBatch() async -> Batch {
        await self.waitForWork()
        if self.linger > .zero { await self.lingerUnlessUrgent() }
        return self.state.withLock { state in
            if Task.isCancelled { state.stopping = true }
            defer {
                state.buffer = []
                state.agentStates = [:]
            }
            return Batch(items: state.buffer, states: state.agentStates, upTo: state.appended, stop: state.stopping)
        }
    }

    /// Sleeps up to `linger`, cut short by a durable write, a flush or cancellation.
    private func lingerUnlessUrgent() async {
        let endLinger: @Sendable () -> Void = {
            let wake = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.lingering = false
                return state.takeWake()
            }
            wake?.resume()
        }
        await withTaskGroup(of: Void.self) { timer in
            timer.addTask {
                try? await Task.sleep(for: self.linger)
                endLinger()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let now = self.state.withLock { state -> Bool in
                        if state.isUrgent || Task.isCancelled { return true }
                        state.wake = continuation
                        state.lingering = true
                        return false
                    }
                    if now { continuation.resume() }
                }
            } onCancel: {
                self.state.withLock { $0.stopping = true }
                endLinger()
            }
            self.state.withLock { $0.lingering = false }
            timer.cancelAll()
        }
    }

    /// Returns once there is work (or the writer is asked to stop).
    private func waitForWork() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state -> Bool in
                    if !state.buffer.isEmpty || state.stopping || Task.isCancelled { return true }
                    state.wake = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            let wake = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                state.stopping = true
                return state.takeWake()
            }
            wake?.resume()
        }
    }

    private func committed(_ batch: Batch) {
        let (ready, recovered) = self.state.withLock {
            state -> ([CheckedContinuation<Void, any Error>], Resumption<Void>?) in
            state.committed = max(state.committed, batch.upTo)
            state.failedByProbe = false
            var recovered: Resumption<Void>?
            if state.failure != nil {
                self.logger.notice("database writes recovered")
                state.failure = nil
                recovered = state.recoveryWaiters.takeAll()
            }
            let committed = state.committed
            let ready = state.waiters.filter { $0.upTo <= committed }.map(\.continuation)
            state.waiters.removeAll { $0.upTo <= committed }
            return (ready, recovered)
        }
        for waiter in ready { waiter.resume() }
        recovered?.resume()
    }

    /// Drops a batch the committer refused for good (stale writes of a fenced hub): counted as
    /// done so nobody waits for it, its waiters told it was not written.
    private func rejected(_ batch: Batch, reason: String) {
        self.logger.error("database writes refused", metadata: ["error": "\(reason)", "writes": "\(batch.items.count)"])
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            state.committed = max(state.committed, batch.upTo)
            let committed = state.committed
            let done = state.waiters.filter { $0.upTo <= committed }.map(\.continuation)
            state.waiters.removeAll { $0.upTo <= committed }
            return done
        }
        for waiter in waiters { waiter.resume(throwing: HubError.storeUnavailable(reason)) }
    }

    /// Puts a failed batch back (without its durable writes, whose callers are told), turns
    /// unhealthy and fails every waiter.
    private func failed(_ batch: Batch, error: any Error) {
        let reason = self.committer.describe(error)
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            if state.failure == nil { self.logger.error("database write failed; retrying", metadata: ["error": "\(reason)"]) }
            state.failure = reason
            state.failedByProbe = false
            state.buffer = batch.items.filter { !$0.durable } + state.buffer
            for (id, snapshot) in batch.states where state.agentStates[id] == nil { state.agentStates[id] = snapshot }
            defer { state.waiters = [] }
            return state.waiters.map(\.continuation)
        }
        for waiter in waiters { waiter.resume(throwing: HubError.storeUnavailable(reason)) }
    }

    /// What a probe of the store found (`StoreProbe`: PostgreSQL's `SELECT 1` while the writer
    /// may be idle). Unreachable turns the writer unhealthy at once — new commands refused with
    /// `storeUnavailable`, `/readyz` naming why — instead of after a command's batch failed;
    /// reachable again ends that, unless a batch is failing (its own commit ends it then).
    package func probed(_ error: (any Error)?) {
        guard let error else {
            let recovered = self.state.withLock { state -> Resumption<Void>? in
                guard state.failedByProbe else { return nil }
                self.logger.notice("store reachable again")
                state.failure = nil
                state.failedByProbe = false
                return state.recoveryWaiters.takeAll()
            }
            recovered?.resume()
            return
        }
        let reason = self.committer.describe(error)
        self.state.withLock { state in
            guard state.failure == nil else { return }
            self.logger.error("store unreachable", metadata: ["error": "\(reason)"])
            state.failure = reason
            state.failedByProbe = true
        }
    }

    package static func describe(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            switch error.resultCode {
            case .SQLITE_FULL: return "the disk is full"
            case .SQLITE_READONLY: return "the database file is read-only"
            case .SQLITE_IOERR: return "I/O error: \(error.message ?? "unknown")"
            default: return error.message ?? "\(error.resultCode)"
            }
        }
        return "\(error)"
    }
}
