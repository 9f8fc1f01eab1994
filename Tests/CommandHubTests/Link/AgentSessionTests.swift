import Foundation
import Testing
import Wire

@testable import CommandHub

@Suite("AgentSession")
struct AgentSessionTests {
    func makeSession(capacity: Int = 4) -> AgentSession {
        AgentSession(
            remotePeer: "ipv4:127.0.0.1:1", credential: AgentCredential(name: "test"), outboxCapacity: capacity,
            output: QueueOutput(), now: Date(timeIntervalSince1970: 1_000), monotonicNow: .zero
        )
    }

    @Test func noSnapshotBeforeHello() {
        #expect(self.makeSession().snapshot() == nil)
    }

    @Test func heartbeatUpdatesLivenessStatusAndCounters() {
        let session = self.makeSession()
        _ = session.activate(AgentIdentity(agentID: UUID(), name: "a"), status: .active)
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

    @Test func anyMessageCountsAsLivenessButOnlyHeartbeatsSetLastHeartbeat() {
        let session = self.makeSession()
        _ = session.activate(AgentIdentity(agentID: UUID(), name: "a"), status: .active)
        session.touch(at: Date(timeIntervalSince1970: 3_000), monotonicNow: .seconds(9))
        #expect(session.lastSeenOffset == .seconds(9))
        #expect(session.snapshot()?.lastHeartbeat == nil)
    }

    @Test func aFullOutboxFailsFastAndAClosedOneRefuses() {
        let session = self.makeSession(capacity: 2)
        _ = session.activate(AgentIdentity(agentID: UUID(), name: "a"), status: .active)
        #expect(session.enqueue(.init(), id: UUID()) == .queued)
        #expect(session.enqueue(.init(), id: UUID()) == .queued)
        #expect(session.enqueue(.init(), id: UUID()) == .full, "two commands not yet written fill a capacity of 2")
        session.written()
        #expect(session.enqueue(.init(), id: UUID()) == .queued, "a written command frees its slot")
        #expect(session.close(.agentClosed))
        #expect(!session.close(.closedByHub(.shuttingDown)), "the first reason wins")
        #expect(session.endReason == .agentClosed)
        #expect(session.enqueue(.init(), id: UUID()) == .closed)
    }

    @Test func helloAfterCloseIsRefused() {
        let session = self.makeSession()
        session.close(.agentClosed)
        #expect(!session.activate(AgentIdentity(agentID: UUID(), name: "a"), status: .active))
        #expect(session.identity == nil)
    }
}
