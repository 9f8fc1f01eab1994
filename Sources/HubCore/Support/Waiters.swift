import Synchronization

/// Tasks parked until something their owner tracks comes true: a port bound, the last session
/// gone, the store healthy again, the last subscriber gone. The list lives inside the owner's
/// `Mutex` state; `Mutex.wait(in:until:)` parks a caller, and the owner, when the thing happens,
/// takes the list under its lock and resumes it after the lock is released.
///
/// The one "wait until" of the hub; a loop's own wake-up slot (the store writer's, the sweeper's)
/// is not one of these — it has one waiter, which is the loop.
package struct Waiters<Value: Sendable>: Sendable {
    private var parked: [(id: UInt64, continuation: CheckedContinuation<Value, Never>)] = []
    private var lastID: UInt64 = 0

    package init() {}

    package var isEmpty: Bool { self.parked.isEmpty }

    /// Removes every parked waiter, to be resumed once the owner's lock is released.
    package mutating func takeAll() -> Resumption<Value> {
        defer { self.parked = [] }
        return Resumption(continuations: self.parked.map(\.continuation))
    }

    fileprivate mutating func reserveID() -> UInt64 {
        self.lastID &+= 1
        return self.lastID
    }

    fileprivate mutating func park(_ continuation: CheckedContinuation<Value, Never>, id: UInt64) {
        self.parked.append((id, continuation))
    }

    fileprivate mutating func take(id: UInt64) -> CheckedContinuation<Value, Never>? {
        guard let index = self.parked.firstIndex(where: { $0.id == id }) else { return nil }
        return self.parked.remove(at: index).continuation
    }
}

/// Waiters taken from their list, resumed outside the owner's lock.
package struct Resumption<Value: Sendable>: Sendable {
    fileprivate let continuations: [CheckedContinuation<Value, Never>]

    package func resume(returning value: Value) {
        for continuation in self.continuations { continuation.resume(returning: value) }
    }
}

extension Resumption where Value == Void {
    package func resume() { self.resume(returning: ()) }
}

extension Mutex {
    /// Returns `ready`'s answer at once if it has one; otherwise parks the caller in `waiters`
    /// until the owner resumes it. `ready` runs under the lock.
    package func wait<T: Sendable>(
        in waiters: any WritableKeyPath<Value, Waiters<T>> & Sendable,
        until ready: (inout Value) -> T?
    ) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            let answer = self.withLock { state -> T? in
                if let answer = ready(&state) { return answer }
                let id = state[keyPath: waiters].reserveID()
                state[keyPath: waiters].park(continuation, id: id)
                return nil
            }
            if let answer { continuation.resume(returning: answer) }
        }
    }

    /// As `wait(in:until:)`, and if the calling task is cancelled while parked (or before),
    /// returns `cancelled` instead.
    package func wait<T: Sendable>(
        in waiters: any WritableKeyPath<Value, Waiters<T>> & Sendable,
        orWhenCancelled cancelled: T,
        until ready: (inout Value) -> T?
    ) async -> T {
        let id = self.withLock { $0[keyPath: waiters].reserveID() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
                let answer = self.withLock { state -> T? in
                    if let answer = ready(&state) { return answer }
                    // The flag is set before the handler runs: a cancellation whose handler found
                    // nothing parked yet is seen here.
                    if Task.isCancelled { return cancelled }
                    state[keyPath: waiters].park(continuation, id: id)
                    return nil
                }
                if let answer { continuation.resume(returning: answer) }
            }
        } onCancel: {
            self.withLock { $0[keyPath: waiters].take(id: id) }?.resume(returning: cancelled)
        }
    }
}
