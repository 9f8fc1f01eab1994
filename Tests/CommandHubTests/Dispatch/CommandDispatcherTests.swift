import Foundation
import Synchronization
import Testing
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("CommandDispatcher", .timeLimit(.minutes(1)))
struct CommandDispatcherTests {
    /// A dispatcher on a manual clock with its deadline sweeper running for the body's duration.
    func withDispatcher(sinks: [any CommandSink] = [], _ body: (CommandDispatcher, ManualClock) async throws -> Void) async throws {
        let clock = ManualClock()
        let dispatcher = CommandDispatcher(registry: AgentRegistry(), sinks: sinks, clock: MonotonicClock(clock))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await dispatcher.run() }
            defer { group.cancelAll() }
            try await body(dispatcher, clock)
        }
    }

    @Test func ackResolvesTheRightPendingCommandAmongManyConcurrentOnes() async throws {
        try await withDispatcher { dispatcher, _ in
            let agent = FakeAgent.connect(to: dispatcher)
            let count = 64
            try await withThrowingTaskGroup(of: Void.self) { group in
                // The agent collects all commands, then answers them in reverse order, each ack
                // naming the command it answers in its message.
                group.addTask {
                    var commands: [Commandhub_V1_Command] = []
                    for await item in agent.outbox.items {
                        commands.append(QueueStream.take(item))
                        if commands.count == count { break }
                    }
                    for command in commands.reversed() {
                        var ack = FakeAgent.ack(for: command)
                        ack.message = "answer to \(command.commandID)"
                        agent.acknowledge(ack)
                    }
                }
                let reports = try await withThrowingTaskGroup(of: CommandReport.self) { senders in
                    for _ in 0..<count {
                        senders.addTask { await dispatcher.send(.ping(.init()), to: agent.agentID, timeout: .seconds(5)) }
                    }
                    return try await senders.reduce(into: []) { $0.append($1) }
                }
                try await group.waitForAll()
                #expect(reports.count == count)
                for report in reports {
                    #expect(report.state == .acknowledged)
                    #expect(report.ack?.message == "answer to \(report.commandID.lowercased)")
                    #expect(report.sentAt != nil)
                }
                #expect(Set(reports.map(\.commandID)).count == count)
            }
            #expect(dispatcher.pendingCount == 0)
            #expect(dispatcher.ignoredAckCount == 0)
        }
    }

    @Test func deadlineGivesTimedOut() async throws {
        try await withDispatcher { dispatcher, clock in
            let agent = FakeAgent.connect(to: dispatcher)
            let received = Received()
            async let report = dispatcher.send(.pause(.init()), to: agent.agentID, timeout: .seconds(5))
            let server = Task { await agent.serve(behavior: .silent, received: received.record) }
            defer { server.cancel() }
            try await received.wait(for: 1)
            clock.advance(by: .seconds(4))
            #expect(dispatcher.pendingCount == 1)
            clock.advance(by: .seconds(1))
            let final = await report
            #expect(final.state == .timedOut)
            #expect(final.error == .commandTimeout(commandID: final.commandID, after: .seconds(5)))
            #expect(dispatcher.pendingCount == 0)
        }
    }

    @Test func streamEndGivesUndeliverableImmediatelyNotAfterTheDeadline() async throws {
        try await withDispatcher { dispatcher, clock in
            let agent = FakeAgent.connect(to: dispatcher)
            let received = Received()
            async let report = dispatcher.send(.ping(.init()), to: agent.agentID, timeout: .seconds(30))
            let server = Task { await agent.serve(behavior: .silent, received: received.record) }
            defer { server.cancel() }
            try await received.wait(for: 1)
            agent.disconnect(reason: .streamFailed("connection reset"))
            let final = await report
            // The clock never moved: the stream's end, not the deadline, resolved it.
            #expect(clock.now.offset == .zero)
            #expect(final.state == .undeliverable)
            #expect(final.error == .clientNotConnected(agent.agentID))
            #expect(dispatcher.pendingCount == 0)
        }
    }

    @Test func sendToDisconnectedAgentIsUndeliverableAtOnce() async throws {
        try await withDispatcher { dispatcher, _ in
            let report = await dispatcher.send(.ping(.init()), to: UUID(), timeout: .seconds(5))
            #expect(report.state == .undeliverable)
            #expect(report.sentAt == nil)
            #expect(dispatcher.pendingCount == 0)
        }
    }

    @Test func lateAckAfterTimeoutIsIgnored() async throws {
        try await withDispatcher { dispatcher, clock in
            let agent = FakeAgent.connect(to: dispatcher)
            let received = Received()
            async let report = dispatcher.send(.ping(.init()), to: agent.agentID, timeout: .seconds(1))
            let server = Task { await agent.serve(behavior: .silent, received: received.record) }
            defer { server.cancel() }
            try await received.wait(for: 1)
            clock.advance(by: .seconds(2))
            let final = await report
            #expect(final.state == .timedOut)
            let command = try #require(received.commands.first)
            agent.acknowledge(FakeAgent.ack(for: command))
            #expect(dispatcher.ignoredAckCount == 1)
            #expect(dispatcher.pendingCount == 0)
        }
    }

    @Test func ackForUnknownIdIsIgnoredAndLeavesWaitingCommandsAlone() async throws {
        try await withDispatcher { dispatcher, _ in
            let agent = FakeAgent.connect(to: dispatcher)
            let received = Received()
            async let report = dispatcher.send(.ping(.init()), to: agent.agentID, timeout: .seconds(5))
            let server = Task { await agent.serve(behavior: .silent, received: received.record) }
            defer { server.cancel() }
            try await received.wait(for: 1)
            var unknown = Commandhub_V1_CommandAck()
            unknown.commandID = UUID().uuidString
            unknown.success = true
            agent.acknowledge(unknown)
            var garbage = Commandhub_V1_CommandAck()
            garbage.commandID = "not-a-uuid"
            agent.acknowledge(garbage)
            #expect(dispatcher.ignoredAckCount == 2)
            #expect(dispatcher.pendingCount == 1)
            let command = try #require(received.commands.first)
            agent.acknowledge(FakeAgent.ack(for: command))
            #expect(await report.state == .acknowledged)
            #expect(dispatcher.pendingCount == 0)
        }
    }

    @Test func ackFromAnotherAgentDoesNotResolveTheCommand() async throws {
        try await withDispatcher { dispatcher, clock in
            let target = FakeAgent.connect(to: dispatcher, name: "target")
            let intruder = FakeAgent.connect(to: dispatcher, name: "intruder")
            let received = Received()
            async let report = dispatcher.send(.pause(.init()), to: target.agentID, timeout: .seconds(1))
            let server = Task { await target.serve(behavior: .silent, received: received.record) }
            defer { server.cancel() }
            try await received.wait(for: 1)
            let command = try #require(received.commands.first)
            intruder.acknowledge(FakeAgent.ack(for: command))
            #expect(dispatcher.ignoredAckCount == 1)
            clock.advance(by: .seconds(1))
            #expect(await report.state == .timedOut)
        }
    }

    @Test func cancelledCallerEndsCancelledAndLeavesNothingPending() async throws {
        try await withDispatcher { dispatcher, _ in
            let agent = FakeAgent.connect(to: dispatcher)
            let received = Received()
            let server = Task { await agent.serve(behavior: .silent, received: received.record) }
            defer { server.cancel() }
            let caller = Task { await dispatcher.send(.ping(.init()), to: agent.agentID, timeout: .seconds(60)) }
            try await received.wait(for: 1)
            caller.cancel()
            #expect(await caller.value.state == .cancelled)
            #expect(dispatcher.pendingCount == 0)
        }
    }

    @Test func everyReportReachesTheSinksExactlyOnce() async throws {
        let seen = CountingSink()
        try await withDispatcher(sinks: [seen]) { dispatcher, clock in
            let answering = FakeAgent.connect(to: dispatcher, name: "answering")
            let silent = FakeAgent.connect(to: dispatcher, name: "silent")
            let received = Received()
            let servers = [
                Task { await answering.serve(behavior: .ack) },
                Task { await silent.serve(behavior: .silent, received: received.record) },
            ]
            defer { servers.forEach { $0.cancel() } }
            async let acked = dispatcher.send(.ping(.init()), to: answering.agentID, timeout: .seconds(1))
            async let timedOut = dispatcher.send(.ping(.init()), to: silent.agentID, timeout: .seconds(1))
            let notConnected = await dispatcher.send(.ping(.init()), to: UUID(), timeout: .seconds(1))
            try await received.wait(for: 1)
            #expect(await acked.state == .acknowledged)
            clock.advance(by: .seconds(2))
            let reports = [await acked, await timedOut, notConnected]
            #expect(reports.map(\.state) == [.acknowledged, .timedOut, .undeliverable])
            #expect(seen.counts == Dictionary(uniqueKeysWithValues: reports.map { ($0.commandID, 1) }))
        }
    }
}

/// Counts the reports it is given, per command.
final class CountingSink: CommandSink {
    private let seen = Mutex<[UUID: Int]>([:])

    var counts: [UUID: Int] { self.seen.withLock { $0 } }

    func commandFinished(_ report: CommandReport) {
        self.seen.withLock { $0[report.commandID, default: 0] += 1 }
    }
}

/// Commands a fake agent received, and a way to wait for them without sleeping.
final class Received: Sendable {
    private struct State {
        var commands: [Commandhub_V1_Command] = []
        var waiters: [(token: UUID, count: Int, continuation: CheckedContinuation<Bool, Never>)] = []
    }

    private let state = Mutex(State())

    var commands: [Commandhub_V1_Command] { self.state.withLock { $0.commands } }

    @Sendable func record(_ command: Commandhub_V1_Command) {
        let ready = self.state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.commands.append(command)
            let count = state.commands.count
            let ready = state.waiters.filter { $0.count <= count }.map(\.continuation)
            state.waiters.removeAll { $0.count <= count }
            return ready
        }
        for waiter in ready { waiter.resume(returning: true) }
    }

    /// Returns once `count` commands arrived; throws `CancellationError` when cancelled (the
    /// suite's time limit).
    func wait(for count: Int) async throws {
        let token = UUID()
        let arrived: Bool = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = self.state.withLock { state -> Bool? in
                    if state.commands.count >= count { return true }
                    if Task.isCancelled { return false }
                    state.waiters.append((token, count, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Bool, Never>? in
                guard let index = state.waiters.firstIndex(where: { $0.token == token }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(returning: false)
        }
        if !arrived { throw CancellationError() }
    }
}
