import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("HubEvents", .timeLimit(.minutes(1)))
struct HubEventsTests {
    /// A registry, a dispatcher (with its sweeper running) and the events following both.
    func withEvents(
        capacity: Int = 1024, _ body: (HubEvents, CommandDispatcher) async throws -> Void
    ) async throws {
        let registry = AgentRegistry()
        let events = HubEvents(registry: registry, capacity: capacity)
        registry.observe { event in events.registryEvent(event) }
        let dispatcher = CommandDispatcher(registry: registry, sinks: [events], clock: MonotonicClock(ManualClock()))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.run() }
            defer { group.cancelAll() }
            try await body(events, dispatcher)
        }
    }

    /// Everything a subscription has ready, without waiting.
    func drain(_ subscription: EventSubscription) -> [EventQueue.Delivery] {
        var deliveries: [EventQueue.Delivery] = []
        while let next = subscription.poll() {
            deliveries.append(next)
            if case .end = next { break }
        }
        return deliveries
    }

    /// The `(id, kind)` of each event among `deliveries`.
    func events(_ deliveries: [EventQueue.Delivery]) -> [(UInt64, HubEvent.Kind)] {
        deliveries.compactMap { if case .event(let id, let event) = $0 { (id, event.kind) } else { nil } }
    }

    func subscribe(_ events: HubEvents, _ kinds: Set<HubEvent.Kind> = Set(HubEvent.Kind.allCases)) throws -> EventSubscription {
        try events.subscribe(kinds: kinds) {}
    }

    @Test func everySubscriberGetsItsKindsInSequenceOrder() async throws {
        try await withEvents { events, dispatcher in
            let everything = try self.subscribe(events)
            let commands = try self.subscribe(events, [.commandFinished])
            let agent = FakeAgent.connect(to: dispatcher)
            let server = Task { await agent.serve(behavior: .ack) }
            defer { server.cancel() }
            #expect(await dispatcher.send(.ping(.init()), to: agent.agentID, timeout: .seconds(5)).state == .acknowledged)
            agent.disconnect()

            let all = self.events(self.drain(everything))
            #expect(all.map(\.1) == [.agentConnected, .commandFinished, .agentDisconnected])
            #expect(all.map(\.0) == [1, 2, 3])
            let finished = self.events(self.drain(commands))
            #expect(finished.map(\.1) == [.commandFinished])
            #expect(finished.map(\.0) == [2], "the filtered subscriber sees the hub-wide number")
        }
    }

    @Test func statusChangeIsPublishedOnceAndBeforeTheCommandThatCausedIt() async throws {
        try await withEvents { events, dispatcher in
            let subscription = try self.subscribe(events)
            let agent = FakeAgent.connect(to: dispatcher)
            let server = Task {
                for await item in agent.outbox.items {
                    let command = QueueStream.take(item)
                    var ack = FakeAgent.ack(for: command)
                    ack.status = .paused
                    agent.acknowledge(ack)
                }
            }
            defer { server.cancel() }
            #expect(await dispatcher.send(.pause(.init()), to: agent.agentID, timeout: .seconds(5)).state == .acknowledged)
            dispatcher.registry.updated(agent.session)

            let deliveries = self.drain(subscription)
            #expect(self.events(deliveries).map(\.1) == [.agentConnected, .agentStatusChanged, .commandFinished])
            let change = deliveries.compactMap { delivery -> String? in
                guard case .event(_, let event) = delivery, event.kind == .agentStatusChanged else { return nil }
                return String(decoding: event.data, as: UTF8.self)
            }
            #expect(change.first?.contains(#""status":"PAUSED","previous_status":"ACTIVE""#) == true, "\(change)")
        }
    }

    @Test func subscriberThatFallsBehindGetsAnOverflowNoticeThenTheEnd() async throws {
        try await withEvents(capacity: 2) { events, dispatcher in
            let subscription = try self.subscribe(events)
            for name in ["a", "b", "c"] { _ = FakeAgent.connect(to: dispatcher, name: name) }
            let deliveries = self.drain(subscription)
            #expect(deliveries.count == 2, "\(deliveries)")
            guard case .overflow(let lastDelivered, let capacity) = deliveries.first else {
                Issue.record("expected an overflow notice first, got \(deliveries)")
                return
            }
            #expect(lastDelivered == nil && capacity == 2, "the buffer was dropped, nothing had been delivered")
            guard case .end = deliveries.last else { return #expect(Bool(false), "then the end") }
            _ = FakeAgent.connect(to: dispatcher, name: "d")
            #expect(subscription.poll().map { if case .end = $0 { true } else { false } } == true, "nothing more is queued")
            #expect(events.subscriberCount == 1)
            subscription.finish()
            #expect(events.subscriberCount == 0)
        }
    }

    @Test func endedStreamWhoseWriterIsStuckHasItsConnectionClosedThenIsForgotten() async throws {
        try await withEvents(capacity: 1) { events, dispatcher in
            let aborts = Mutex(0)
            let stuck = try events.subscribe(kinds: Set(HubEvent.Kind.allCases)) { aborts.withLock { $0 += 1 } }
            for name in ["a", "b"] { _ = FakeAgent.connect(to: dispatcher, name: name) }
            // Overflowed; its writer never takes the notice nor finishes.
            events.tick()
            #expect(aborts.withLock { $0 } == 0, "a writer gets a keepalive interval to finish")
            events.tick()
            #expect(aborts.withLock { $0 } == 1)
            events.tick()
            #expect(aborts.withLock { $0 } == 1, "closed once")
            #expect(events.subscriberCount == 0, "a response that never ran is forgotten")
            stuck.finish()
            #expect(events.subscriberCount == 0)
        }
    }

    @Test func idleSubscriberGetsAKeepaliveForATickWithoutDeliveries() async throws {
        try await withEvents { events, dispatcher in
            let subscription = try self.subscribe(events)
            events.tick()
            #expect(self.drain(subscription).map { if case .keepalive = $0 { true } else { false } } == [true])
            _ = FakeAgent.connect(to: dispatcher)
            #expect(self.events(self.drain(subscription)).count == 1)
            events.tick()
            #expect(self.drain(subscription).isEmpty, "an event went out during that interval")
            events.tick()
            #expect(self.drain(subscription).count == 1)
        }
    }

    @Test func eventsNobodySubscribedToAreNotQueuedOrNumbered() async throws {
        try await withEvents { events, dispatcher in
            _ = FakeAgent.connect(to: dispatcher, name: "before")
            let subscription = try self.subscribe(events)
            #expect(subscription.poll() == nil)
            _ = FakeAgent.connect(to: dispatcher, name: "after")
            #expect(self.events(self.drain(subscription)).map(\.0) == [1])
        }
    }

    @Test func gracefulShutdownDeliversWhatIsBufferedThenEndsAndRefusesNewSubscribers() async throws {
        try await withEvents { events, dispatcher in
            let subscription = try self.subscribe(events)
            _ = FakeAgent.connect(to: dispatcher)
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            let group = ServiceGroup(services: [events], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                await group.triggerGracefulShutdown()
                guard case .event(_, let event) = await subscription.next() else { return #expect(Bool(false), "the buffered event") }
                #expect(event.kind == .agentConnected)
                guard case .end = await subscription.next() else { return #expect(Bool(false), "then the end") }
                #expect(throws: HubError.shuttingDown) { try self.subscribe(events) }
                subscription.finish()
                try await tasks.next()
            }
            #expect(events.subscriberCount == 0)
        }
    }
}

extension EventQueue.Delivery: Equatable {
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.event(let a, _), .event(let b, _)): a == b
        case (.keepalive, .keepalive), (.end, .end): true
        case (.overflow(let a, let x), .overflow(let b, let y)): a == b && x == y
        default: false
        }
    }
}
