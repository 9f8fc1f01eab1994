import Synchronization

/// Events collected from callbacks, and a way to wait until one matches — instead of sleeping.
///
/// `wait(for:)` suspends until an event satisfying the predicate has been appended (or returns
/// at once if one already was). The enclosing suite's `.timeLimit` bounds every wait.
public final class EventLog<Event: Sendable>: Sendable {
    private struct Waiter {
        let predicate: @Sendable (Event) -> Bool
        let continuation: CheckedContinuation<Event?, Never>
    }

    private struct State {
        public var events: [Event] = []
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var events: [Event] { self.state.withLock { $0.events } }

    @Sendable public func append(_ event: Event) {
        let ready = self.state.withLock { state -> [CheckedContinuation<Event?, Never>] in
            state.events.append(event)
            let matching = state.waiters.filter { $0.value.predicate(event) }
            for key in matching.keys { state.waiters[key] = nil }
            return matching.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: event) }
    }

    /// The first event, past or future, that satisfies `predicate`. Throws `CancellationError`
    /// if the waiting task is cancelled (e.g. by the suite's time limit).
    @discardableResult
    public func wait(for predicate: @escaping @Sendable (Event) -> Bool) async throws -> Event {
        try await self.wait(after: 0, for: predicate)
    }

    /// The first event at index `start` or later that satisfies `predicate`.
    @discardableResult
    public func wait(after start: Int, for predicate: @escaping @Sendable (Event) -> Bool) async throws -> Event {
        let id = self.state.withLock { state -> Int in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        let event: Event? = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Event?, Never>) in
                let found = self.state.withLock { state -> Event?? in
                    if let event = state.events.dropFirst(start).first(where: predicate) { return .some(event) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = Waiter(predicate: predicate, continuation: continuation)
                    return nil
                }
                if let found { continuation.resume(returning: found) }
            }
        } onCancel: {
            let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: nil)
        }
        guard let event else { throw CancellationError() }
        return event
    }

    /// How many events have been recorded so far; pass to `wait(after:for:)` to wait for new ones.
    public var count: Int { self.state.withLock { $0.events.count } }
}
