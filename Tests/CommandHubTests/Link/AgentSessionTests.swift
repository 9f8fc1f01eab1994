import Foundation
import Synchronization
import Testing
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("AgentSession")
struct AgentSessionTests {
    /// Counts what the session tells its stream and its observer.
    final class Recorder: SessionStream, SessionObserver {
        struct Counts: Equatable {
            var written = 0
            var notWritten = 0
            var ended = 0
            var finished: [SessionEnd] = []
            var finishedAccepted: [Bool] = []
        }

        private let counts = Mutex(Counts())
        var value: Counts { self.counts.withLock { $0 } }

        func write(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {}
        func finish(_ reason: SessionEnd, accepted: Bool) {
            self.counts.withLock {
                $0.finished.append(reason)
                $0.finishedAccepted.append(accepted)
            }
        }
        func sessionEnded(_ session: AgentSession) { self.counts.withLock { $0.ended += 1 } }
        func commandWritten(_ id: UUID, on session: AgentSession, succeeded: Bool) {
            self.counts.withLock { if succeeded { $0.written += 1 } else { $0.notWritten += 1 } }
        }
    }

    func makeSession(capacity: Int = 4, recorder: Recorder = Recorder()) -> AgentSession {
        AgentSession(
            remotePeer: "ipv4:127.0.0.1:1", outboxCapacity: capacity, stream: recorder, observer: recorder,
            now: Date(timeIntervalSince1970: 1_000), monotonicNow: .zero
        )
    }

    func makeActive(capacity: Int = 4, recorder: Recorder = Recorder(), labels: [String: String] = [:]) -> AgentSession {
        let session = self.makeSession(capacity: capacity, recorder: recorder)
        _ = session.accept(AgentCredential(name: "test", labels: ["desk": "spot", "venue": "credential"]), monotonicNow: .zero)
        _ = session.activate(
            AgentIdentity(agentID: UUID(), name: "a", labels: labels), status: .active, at: Date(timeIntervalSince1970: 1_001))
        return session
    }

    @Test func noSnapshotBeforeHello() {
        let session = self.makeSession()
        #expect(session.snapshot() == nil)
        _ = session.accept(AgentCredential(name: "test"), monotonicNow: .zero)
        #expect(session.snapshot() == nil)
    }

    @Test func theHelloCountsAsTheFirstHeartbeatAndTheAgentsLabelsWinOverTheCredentials() {
        let session = self.makeActive(labels: ["venue": "own"])
        let snapshot = session.snapshot()
        #expect(snapshot?.lastHeartbeat == Date(timeIntervalSince1970: 1_001))
        #expect(snapshot?.identity.labels == ["desk": "spot", "venue": "own"])
        #expect(snapshot?.credentialName == "test")
    }

    @Test func heartbeatUpdatesLivenessStatusAndCounters() {
        let session = self.makeActive()
        var heartbeat = Commandhub_V1_Heartbeat()
        heartbeat.status = .paused
        heartbeat.walletsSynced = 15
        heartbeat.syncRequests = 42
        heartbeat.lastSyncMs = 1_700_000_000_000
        let now = Date(timeIntervalSince1970: 2_000)
        session.touch(at: now, monotonicNow: .seconds(7), heartbeat: heartbeat)
        let snapshot = session.snapshot()
        #expect(snapshot?.status == .paused)
        #expect(snapshot?.walletsSynced == 15)
        #expect(snapshot?.syncRequests == 42)
        #expect(snapshot?.lastHeartbeat == now)
        #expect(snapshot?.lastSync == Date(timeIntervalSince1970: 1_700_000_000))
        #expect(session.lastSeenOffset == .seconds(7))
    }

    @Test func anyMessageCountsAsLivenessButOnlyHeartbeatsMoveLastHeartbeat() {
        let session = self.makeActive()
        session.touch(at: Date(timeIntervalSince1970: 3_000), monotonicNow: .seconds(9))
        #expect(session.lastSeenOffset == .seconds(9))
        #expect(session.snapshot()?.lastHeartbeat == Date(timeIntervalSince1970: 1_001), "still the Hello's")
    }

    @Test func anAckChangesTheLiveStateOnlyWhenItSaysSomethingNew() {
        let session = self.makeActive()
        var same = Commandhub_V1_CommandAck()
        same.status = .active
        #expect(!session.apply(same))
        var paused = Commandhub_V1_CommandAck()
        paused.status = .paused
        #expect(session.apply(paused))
        #expect(session.status == .paused)
    }

    @Test func aFullOutboxFailsFastAndAnEndedSessionRefuses() {
        let recorder = Recorder()
        let session = self.makeActive(capacity: 2, recorder: recorder)
        let first = UUID()
        #expect(session.enqueue(.init(), id: first) == .queued)
        #expect(session.enqueue(.init(), id: UUID()) == .queued)
        #expect(session.enqueue(.init(), id: UUID()) == .full, "two commands not yet written fill a capacity of 2")
        session.written(first, succeeded: true)
        #expect(recorder.value.written == 1)
        #expect(session.enqueue(.init(), id: UUID()) == .queued, "a written command frees its slot")
        #expect(session.end(.agentClosed))
        #expect(session.enqueue(.init(), id: UUID()) == .closed)
    }

    @Test func endingIsOnceWhoeverAsksAndTheFirstReasonWins() {
        let recorder = Recorder()
        let session = self.makeActive(recorder: recorder)
        #expect(session.end(.agentClosed))
        #expect(!session.end(.closedByHub(.shuttingDown)))
        #expect(!session.end(.streamFailed("reset")))
        #expect(session.endReason == .agentClosed)
        #expect(recorder.value.ended == 1, "the observer learns it once")
        #expect(recorder.value.finished == [.agentClosed], "the stream is finished once, with the first reason")
        #expect(recorder.value.finishedAccepted == [true])
    }

    @Test func aCallRefusedBeforeItWasAcceptedIsNoSessionToEnd() {
        let recorder = Recorder()
        let session = self.makeSession(recorder: recorder)
        #expect(session.end(.closedByHub(.unauthenticated("invalid bearer token"))))
        #expect(recorder.value.ended == 0, "nothing joined the hub, so nothing leaves it")
        #expect(recorder.value.finishedAccepted == [false], "a trailers-only refusal")
        #expect(!session.accept(AgentCredential(name: "late"), monotonicNow: .zero), "headers after the end are not accepted")
    }

    @Test func helloAfterEndIsRefused() {
        let session = self.makeSession()
        _ = session.accept(AgentCredential(name: "test"), monotonicNow: .zero)
        session.end(.agentClosed)
        #expect(!session.activate(AgentIdentity(agentID: UUID(), name: "a"), status: .active, at: Date()))
        #expect(session.identity == nil)
    }
}
