import HubCore
import Synchronization

/// One live subscriber of the hub's events: a bounded `EventQueue` that `HubEvents` fills and
/// exactly one consumer (the SSE response writer) drains with `next()`.
///
/// Contract: the consumer calls `finish()` once when it stops reading, however it stops; until
/// then the subscription stays registered with the hub (an ended one costs nothing to publish
/// to). `cancel()` may be called from any thread (the client went away). `abort` closes the
/// subscriber's connection; the hub calls it once when an ended stream's writer does not
/// finish in time — a client that stopped reading must not hold a response (or a graceful
/// shutdown) open forever.
package final class EventSubscription: Sendable {
    private struct State {
        var queue: EventQueue
        /// Keepalive ticks seen since the stream stopped being open with the consumer still on it.
        var ticksSinceEnd = 0
        var aborted = false
    }

    package let id: Int
    /// The kinds this subscriber wants.
    package let kinds: Set<HubEvent.Kind>
    private let state: Mutex<State>
    private let abort: @Sendable () -> Void
    private let onFinish: @Sendable (EventSubscription) -> Void

    package init(
        id: Int, kinds: Set<HubEvent.Kind>, capacity: Int,
        abort: @escaping @Sendable () -> Void, onFinish: @escaping @Sendable (EventSubscription) -> Void
    ) {
        self.id = id
        self.kinds = kinds
        self.state = Mutex(State(queue: EventQueue(capacity: capacity)))
        self.abort = abort
        self.onFinish = onFinish
    }

    /// The next delivery, in sequence order; `.end` once the stream is over or the calling task
    /// is cancelled.
    package func next() async -> EventQueue.Delivery {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<EventQueue.Delivery, Never>) in
                let ready = self.state.withLock { state -> EventQueue.Delivery? in
                    if Task.isCancelled { return .end }
                    return state.queue.next(continuation)
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            self.state.withLock { $0.queue.dropWaiter() }?.resume()
        }
    }

    /// The next delivery if one is ready, without waiting.
    package func poll() -> EventQueue.Delivery? {
        self.state.withLock { $0.queue.ready() }
    }

    /// The client went away: the stream ends and buffered events are dropped.
    package func cancel() {
        self.state.withLock { $0.queue.end(discarding: true) }?.resume()
    }

    /// The consumer stopped reading; the hub forgets this subscription.
    package func finish() {
        self.onFinish(self)
    }

    // MARK: Called by HubEvents, under its lock (never the other way round)

    package func offer(_ event: HubEvent, id: UInt64) -> EventQueue.Wake? {
        self.state.withLock { $0.queue.offer(event, id: id) }
    }

    /// Ends the stream (graceful shutdown): buffered events are still delivered, then the end.
    package func end() -> EventQueue.Wake? {
        self.state.withLock { $0.queue.end(discarding: false) }
    }

    /// What a keepalive tick asks of the hub for this subscription.
    package enum TickAction {
        case none
        /// Resume the waiting consumer (with a keepalive).
        case wake(EventQueue.Wake)
        /// The stream stopped being open two ticks ago and its writer is still not done (stuck
        /// writing to a client that does not read): close the connection.
        case abort
        /// Aborted a tick ago and still not finished (the response was never written): forget it.
        case forget
    }

    /// A keepalive interval passed.
    package func tick() -> TickAction {
        self.state.withLock { state in
            guard state.queue.phase == .open else {
                state.ticksSinceEnd += 1
                if state.aborted { return state.ticksSinceEnd >= 3 ? .forget : .none }
                guard state.ticksSinceEnd >= 2 else { return .none }
                state.aborted = true
                return .abort
            }
            return state.queue.tick().map(TickAction.wake) ?? .none
        }
    }

    /// Closes the subscriber's connection, once; later calls do nothing.
    package func abortConnection() {
        let first = self.state.withLock { state -> Bool in
            defer { state.aborted = true }
            return !state.aborted
        }
        if first { self.abort() }
    }

    /// Closes the subscriber's connection (after `tick()` answered `.abort`).
    package func closeConnection() { self.abort() }
}
