import Foundation
import HubCore
import ServiceLifecycle
import Synchronization
import Wire

/// The hub's live events — agents connecting, disconnecting and changing status, commands
/// finishing — fanned out to every subscriber of `GET /api/crypto/events/`.
///
/// Publishing is called synchronously from the registry's and the dispatcher's observers, on
/// the command path: it never suspends and never touches the disk. With no subscriber it is
/// one atomic load. With subscribers, each event is encoded once; one lock gives it the next
/// hub-wide sequence number and puts it in every interested subscriber's bounded queue, so
/// each subscriber sees events in sequence order. A subscriber whose queue is full is not
/// waited for: its queue is dropped, it gets an overflow notice and its stream ends.
///
/// As a `Service`, it sends keepalives every `keepaliveInterval` and closes connections whose
/// stream ended but whose writer is stuck. On graceful shutdown it ends every stream (and
/// refuses new ones), so the HTTP server's own shutdown is not held up by open streams; it is
/// started after the HTTP listener, so it is shut down before it.
package final class HubEvents: Service, Sendable {
    package struct State {
        package var lastID: UInt64 = 0
        package var nextSubscriber = 0
        package var subscribers: [Int: EventSubscription] = [:]
        /// The last status published (or seen at subscription time) per connected agent; kept
        /// only while anyone subscribes.
        package var statuses: [UUID: Commandhub_V1_AgentStatus] = [:]
        package var closed = false
        package var drained = Waiters<Void>()

        package init(
            lastID: UInt64 = 0,
            subscribers: [Int: EventSubscription] = [:],
            statuses: [UUID: Commandhub_V1_AgentStatus] = [:],
            drained: Waiters<Void> = Waiters()
        ) {
            self.lastID = lastID
            self.subscribers = subscribers
            self.statuses = statuses
            self.drained = drained
        }
    }

    package let registry: AgentRegistry
    /// Events buffered per subscriber before it counts as fallen behind.
    package let capacity: Int
    package let keepaliveInterval: Duration
    /// How long graceful shutdown waits for stream writers to finish before closing their connections.
    package let writerGrace: Duration
    package let state = Mutex(State())
    /// Subscriptions registered (any phase); read without the lock on the publishing path.
    private let listeners = Atomic<Int>(0)

    package init(
        registry: AgentRegistry, capacity: Int = 1024, keepaliveInterval: Duration = .seconds(15), writerGrace: Duration = .seconds(5)
    ) {
        self.registry = registry
        self.capacity = max(1, capacity)
        self.keepaliveInterval = keepaliveInterval
        self.writerGrace = writerGrace
    }

    /// Subscriptions currently registered.
    package var subscriberCount: Int { self.listeners.load(ordering: .relaxed) }

    /// Whether anyone listens; publishing does nothing otherwise.
    package var isListened: Bool { self.listeners.load(ordering: .relaxed) > 0 }

    /// A new subscription to the `kinds` of events; `abort` closes its connection. Throws
    /// `shuttingDown` once graceful shutdown has begun.
    package func subscribe(kinds: Set<HubEvent.Kind>, abort: @escaping @Sendable () -> Void) throws(HubError) -> EventSubscription {
        try self.state.withLock { state throws(HubError) -> EventSubscription in
            guard !state.closed else { throw .shuttingDown }
            state.nextSubscriber += 1
            let subscription = EventSubscription(
                id: state.nextSubscriber, kinds: kinds, capacity: self.capacity, abort: abort,
                onFinish: { [weak self] in self?.remove($0) }
            )
            state.subscribers[subscription.id] = subscription
            self.listeners.store(state.subscribers.count, ordering: .relaxed)
            if state.subscribers.count == 1 {
                // The first subscriber: start from the statuses the agents have now. Read after
                // `listeners` is set, so an agent attaching meanwhile is either read here or
                // published by the registry's observer, which waits for this lock.
                state.statuses = Dictionary(self.registry.connected().map { ($0.agentID, $0.status) }) { _, last in last }
            }
            return subscription
        }
    }

    /// Runs `body` under the lock (it may update `statuses`) and publishes the events it returns,
    /// in order, each with the next sequence number. Wakes waiting consumers after unlocking.
    package func publish(_ body: (inout State) -> [HubEvent]) {
        let wakes = self.state.withLock { state -> [EventQueue.Wake] in
            let events = body(&state)
            var wakes: [EventQueue.Wake] = []
            for event in events {
                state.lastID += 1
                for subscription in state.subscribers.values where subscription.kinds.contains(event.kind) {
                    if let wake = subscription.offer(event, id: state.lastID) { wakes.append(wake) }
                }
            }
            return wakes
        }
        for wake in wakes { wake.resume() }
    }

    private func remove(_ subscription: EventSubscription) {
        let drained = self.state.withLock { state -> Resumption<Void>? in
            guard state.subscribers.removeValue(forKey: subscription.id) != nil else { return nil }
            self.listeners.store(state.subscribers.count, ordering: .relaxed)
            guard state.subscribers.isEmpty else { return nil }
            state.statuses = [:]
            return state.drained.takeAll()
        }
        drained?.resume()
    }

    /// Keepalives for idle streams; connections of stuck writers closed; abandoned ones forgotten.
    package func tick() {
        var wakes: [EventQueue.Wake] = []
        var aborts: [EventSubscription] = []
        var forgotten: [EventSubscription] = []
        self.state.withLock { state in
            for subscription in state.subscribers.values {
                switch subscription.tick() {
                case .none: break
                case .wake(let wake): wakes.append(wake)
                case .abort: aborts.append(subscription)
                case .forget: forgotten.append(subscription)
                }
            }
        }
        for wake in wakes { wake.resume() }
        for subscription in aborts { subscription.closeConnection() }
        for subscription in forgotten { self.remove(subscription) }
    }

    package func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.keepaliveInterval)
                self.tick()
            }
        }
        // Graceful shutdown (or cancellation): end every stream, give writers a moment to
        // send what is buffered, then close the connections of those still writing.
        let wakes = self.state.withLock { state -> [EventQueue.Wake] in
            state.closed = true
            return state.subscribers.values.compactMap { $0.end() }
        }
        for wake in wakes { wake.resume() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.drained() }
            group.addTask { try? await Task.sleep(for: self.writerGrace) }
            await group.next()
            group.cancelAll()
        }
        for subscription in self.state.withLock({ Array($0.subscribers.values) }) { subscription.abortConnection() }
    }

    /// Returns once no subscription is registered, or when the calling task is cancelled.
    private func drained() async {
        await self.state.wait(in: \.drained, orWhenCancelled: ()) { $0.subscribers.isEmpty ? () : nil }
    }
}
