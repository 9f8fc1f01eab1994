import DequeModule
import HubCore

/// One subscriber's bounded buffer of events and the state of its stream:
/// `open → overflowed → ended`, or `open → ended`. `ended` is terminal.
///
/// Not thread-safe by itself: `EventSubscription` keeps it behind a lock. Nothing here suspends;
/// a method that wakes the consumer returns a `Wake` for the caller to resume after unlocking.
package struct EventQueue {
    package enum Phase: Equatable {
        /// Events are accepted.
        case open
        /// The buffer was full when an event came: it was emptied, the consumer gets the
        /// overflow notice next and then the end.
        case overflowed
        /// No more events; the consumer gets what is still buffered, then the end.
        case ended
    }

    /// What the consumer gets next.
    package enum Delivery: Sendable {
        case event(id: UInt64, HubEvent)
        /// Nothing happened for a keepalive interval: write a comment so proxies keep the stream.
        case keepalive
        /// The subscriber fell behind and events were dropped after `lastDelivered`.
        case overflow(lastDelivered: UInt64?, capacity: Int)
        /// The stream is over (shutdown, client gone, after an overflow).
        case end
    }

    /// A waiting consumer and what to resume it with.
    package struct Wake {
        package let continuation: CheckedContinuation<Delivery, Never>
        package let delivery: Delivery

        package init(
            continuation: CheckedContinuation<Delivery, Never>,
            delivery: Delivery
        ) {
            self.continuation = continuation
            self.delivery = delivery
        }

        package func resume() { self.continuation.resume(returning: self.delivery) }
    }

    package let capacity: Int
    private(set) var phase: Phase = .open
    private var buffer: Deque<(id: UInt64, event: HubEvent)> = []
    private var waiter: CheckedContinuation<Delivery, Never>?
    private var keepaliveDue = false
    private var deliveredSinceTick = false
    private var lastDelivered: UInt64?

    package init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Adds an event, or hands it straight to a waiting consumer. A full buffer overflows: the
    /// buffer is dropped (its memory freed at once) and the event with it.
    package mutating func offer(_ event: HubEvent, id: UInt64) -> Wake? {
        guard self.phase == .open else { return nil }
        if let waiter = self.waiter {
            self.waiter = nil
            return Wake(continuation: waiter, delivery: self.delivered(.event(id: id, event)))
        }
        guard self.buffer.count < self.capacity else {
            self.phase = .overflowed
            self.buffer = []
            return nil
        }
        self.buffer.append((id, event))
        return nil
    }

    /// The next delivery if one is ready; otherwise keeps `continuation` and returns nil.
    package mutating func next(_ continuation: CheckedContinuation<Delivery, Never>) -> Delivery? {
        if let ready = self.ready() { return ready }
        self.waiter = continuation
        return nil
    }

    /// The next delivery if one is ready, without waiting.
    package mutating func ready() -> Delivery? {
        if let first = self.buffer.popFirst() { return self.delivered(.event(id: first.id, first.event)) }
        switch self.phase {
        case .overflowed:
            self.phase = .ended
            return .overflow(lastDelivered: self.lastDelivered, capacity: self.capacity)
        case .ended:
            return .end
        case .open:
            guard self.keepaliveDue else { return nil }
            self.keepaliveDue = false
            return self.delivered(.keepalive)
        }
    }

    /// A keepalive interval passed: if nothing was delivered during it, the consumer gets a keepalive.
    package mutating func tick() -> Wake? {
        defer { self.deliveredSinceTick = false }
        guard self.phase == .open, !self.deliveredSinceTick else { return nil }
        guard let waiter = self.waiter else {
            self.keepaliveDue = true
            return nil
        }
        self.waiter = nil
        return Wake(continuation: waiter, delivery: self.delivered(.keepalive))
    }

    /// Ends the stream. With `discarding`, buffered events are dropped (nobody will read them).
    package mutating func end(discarding: Bool) -> Wake? {
        if discarding { self.buffer = [] }
        if self.phase == .open { self.phase = .ended }
        guard let waiter = self.waiter, let delivery = self.ready() else { return nil }
        self.waiter = nil
        return Wake(continuation: waiter, delivery: delivery)
    }

    /// Gives the waiting consumer up (its task was cancelled): it gets `.end`.
    package mutating func dropWaiter() -> Wake? {
        guard let waiter = self.waiter else { return nil }
        self.waiter = nil
        return Wake(continuation: waiter, delivery: .end)
    }

    private mutating func delivered(_ delivery: Delivery) -> Delivery {
        self.deliveredSinceTick = true
        if case .event(let id, _) = delivery { self.lastDelivered = id }
        return delivery
    }
}
