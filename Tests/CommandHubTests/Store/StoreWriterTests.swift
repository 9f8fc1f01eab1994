import Foundation
import GRDB
import Logging
import PostgresTestSupport
import Testing
import TestSupport
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("StoreWriter and CommandLog", .timeLimit(.minutes(1)))
struct StoreWriterTests {
    @Test(arguments: StoreKind.allCases)
    func aCommandsLifecycleIsRecordedAndReadBack(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { store in
            let agentID = UUID()
            let record = StoreFixture.record(agent: agentID, action: "sync_wallets")
            try await store.log.commandCreated(record, durable: false)
            store.log.commandSent(record.commandID, at: Date())
            try await store.writer.flush()
            #expect(try await store.history.command(record.commandID)?.state == "sent")

            var ack = Commandhub_V1_CommandAck()
            ack.commandID = record.commandID.lowercased
            ack.success = true
            ack.message = "Wallet sync completed for 1 coins"
            ack.status = .active
            store.log.commandFinished(
                CommandReport(
                    commandID: record.commandID, agentID: agentID, action: .syncWallets(.init()),
                    origin: CommandOrigin(requestedBy: "tester"),
                    outcome: .answered(ack), timeout: .seconds(5), issuedAt: record.createdAt, sentAt: Date(), finishedAt: Date()
                ))
            try await store.writer.flush()
            let entry = try #require(try await store.history.command(record.commandID))
            #expect(entry.state == "acknowledged")
            #expect(entry.requestedBy == "tester")
            #expect(entry.message == "Wallet sync completed for 1 coins")
            #expect(entry.errorCode == nil)
            #expect(entry.result?.contains(#""success":true"#) == true)
            #expect(entry.sentAt != nil && entry.finishedAt != nil)
        }
    }

    /// Graceful shutdown cancels the writer's task: what it buffered must still reach the disk
    /// (GRDB's async write refuses to start in a cancelled task, so the last batch is synchronous).
    @Test func cancellingTheWriterCommitsWhatItBuffered() async throws {
        try await TemporaryDirectory.with { directory in
            let database = try HubDatabase.open(path: directory.path("hub.sqlite"))
            let writer = StoreWriter(database: database, logger: Logger(label: "test"))
            let log = CommandLog(writer: writer)
            let records = (0..<50).map { _ in StoreFixture.record(agent: UUID()) }
            let running = Task { await writer.run() }
            for record in records { try await log.commandCreated(record, durable: false) }
            running.cancel()
            await running.value
            let other = try HubDatabase.open(path: database.path)
            let count = try await other.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM command") }
            #expect(count == records.count)
        }
    }

    /// Folding a batch writes the same rows as applying its writes one by one.
    @Test func aFoldedBatchWritesTheSameRowsAsItsWritesOneByOne() async throws {
        try await TemporaryDirectory.with { directory in
            let earlier = StoreFixture.record(agent: UUID())
            let whole = StoreFixture.record(agent: UUID())
            let half = StoreFixture.record(agent: UUID())
            let now = Date(timeIntervalSince1970: 1_800_000_000)
            func final(_ id: UUID, _ state: CommandState) -> CommandFinal {
                CommandFinal(
                    commandID: id, state: state, sentAt: now, finishedAt: now.addingTimeInterval(1), errorCode: nil, message: "m",
                    result: #"{"success":true}"#)
            }
            let batch: [StoreWrite] = [
                .commandCreated(whole), .commandSent(whole.commandID, at: now), .commandFinished(final(whole.commandID, .acknowledged)),
                .commandCreated(half), .commandSent(half.commandID, at: now),
                .commandFinished(final(earlier.commandID, .timedOut)),
                .commandReconciled(earlier.commandID, agentID: earlier.agentID, at: now, result: "{}"),
                .commandFinished(final(whole.commandID, .failed)),  // a second final is ignored, as the update's guard does
            ]
            #expect(StoreWriter.fold(batch).count == 5, "whole and half fold into their inserts")
            var rows: [[String?]] = []
            for folding in [false, true] {
                let database = try HubDatabase.open(path: directory.path("fold-\(folding).sqlite"))
                try await database.pool.write { db in
                    try StoreWriter.apply(.commandCreated(earlier), in: db)
                    for write in folding ? StoreWriter.fold(batch) : batch { try StoreWriter.apply(write, in: db) }
                }
                rows.append(contentsOf: [
                    try await database.pool.read { db in
                        try Row.fetchAll(db, sql: "SELECT * FROM command ORDER BY command_id").map { row in
                            ["command_id", "state", "sent_at", "finished_at", "message", "result", "reconciled_result"].map {
                                row[$0].map { "\($0)" }
                            }
                        }.flatMap { $0 }
                    }
                ])
            }
            #expect(rows[0] == rows[1])
            #expect(rows[1].contains("acknowledged") && rows[1].contains("sent") && rows[1].contains("timed_out"))
        }
    }

    @Test func aDurableCreateIsOnDiskWhenItReturns() async throws {
        try await StoreFixture.with { store in
            let record = StoreFixture.record(agent: UUID(), action: "sell")
            try await store.log.commandCreated(record, durable: true)
            // Read through a separate connection: the row is committed, not only buffered.
            let other = try HubDatabase.open(path: store.database.path)
            let state = try await other.pool.read { db in
                try String.fetchOne(db, sql: "SELECT state FROM command WHERE command_id = ?", arguments: [record.commandID.lowercased])
            }
            #expect(state == "pending")
        }
    }

    @Test func aFullDiskRefusesNewCommandsKeepsFollowUpsAndRecovers() async throws {
        try await StoreFixture.with { store in
            let agentID = UUID()
            let early = StoreFixture.record(agent: agentID)
            try await store.log.commandCreated(early, durable: false)
            try await store.writer.flush()

            try await store.limit(pages: 0)
            // A burst that needs new pages fails to commit.
            for _ in 0..<200 { try await store.log.commandCreated(StoreFixture.record(agent: agentID), durable: false) }
            await #expect(throws: HubError.self) { try await store.writer.flush() }
            #expect(!store.writer.isHealthy)
            #expect(store.writer.failure == "the disk is full")
            // A follow-up of a command already under way is still accepted (buffered).
            store.log.commandSent(early.commandID, at: Date())
            // New work is refused clearly, durable writes fail at once, reads keep working.
            #expect(throws: HubError.storeUnavailable("the disk is full")) {
                try store.writer.append(new: .commandCreated(StoreFixture.record(agent: agentID)))
            }
            await #expect(throws: HubError.storeUnavailable("the disk is full")) {
                try await store.log.commandCreated(StoreFixture.record(agent: agentID, action: "sell"), durable: true)
            }
            #expect(try await store.history.command(early.commandID)?.state == "pending")

            try await store.limit(pages: nil)
            // The writer retries on its own.
            await store.writer.waitUntilHealthy()
            try await store.writer.flush()
            #expect(try await store.history.command(early.commandID)?.state == "sent")
            let counts = try await store.history.countsByState()
            #expect(counts["pending"] == 200, "the buffered burst landed, nothing was dropped")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func lateAnswersAreRecordedAsReconciliationOfUnansweredCommandsOnly(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { store in
            let agentID = UUID()
            // Commands that change the agent (reads are never reconciled: nothing to learn).
            let timedOut = StoreFixture.record(agent: agentID, action: "pause")
            let answered = StoreFixture.record(agent: agentID, action: "pause")
            for record in [timedOut, answered] {
                try await store.log.commandCreated(record, durable: false)
                store.log.commandSent(record.commandID, at: Date())
            }
            var ack = Commandhub_V1_CommandAck()
            ack.commandID = answered.commandID.lowercased
            ack.success = true
            store.log.commandFinished(
                CommandReport(
                    commandID: timedOut.commandID, agentID: agentID, action: .pause(.init()), origin: CommandOrigin(),
                    outcome: .timedOut(after: .seconds(5)), timeout: .seconds(5), issuedAt: Date(), sentAt: Date(), finishedAt: Date()
                ))
            store.log.commandFinished(
                CommandReport(
                    commandID: answered.commandID, agentID: agentID, action: .pause(.init()), origin: CommandOrigin(),
                    outcome: .answered(ack), timeout: .seconds(5), issuedAt: Date(), sentAt: Date(), finishedAt: Date()
                ))
            store.log.commandReconciled(timedOut.commandID, agentID: agentID, ack: ack, at: Date())
            store.log.commandReconciled(answered.commandID, agentID: agentID, ack: ack, at: Date())
            store.log.commandReconciled(timedOut.commandID, agentID: UUID(), ack: nil, at: Date())
            try await store.writer.flush()
            let late = try #require(try await store.history.command(timedOut.commandID))
            #expect(late.state == "timed_out", "the final state never changes")
            #expect(late.reconciledResult?.contains(#""executed":true"#) == true)
            #expect(try await store.history.command(answered.commandID)?.reconciledAt == nil)
            #expect(try await store.history.unresolved(agentID: agentID, since: .distantPast).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aReadThatEndedUnansweredIsNeverUnresolved(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { store in
            let agentID = UUID()
            let ping = StoreFixture.record(agent: agentID, action: "ping")
            try await store.log.commandCreated(ping, durable: false)
            store.log.commandSent(ping.commandID, at: Date())
            store.log.commandFinished(
                CommandReport(
                    commandID: ping.commandID, agentID: agentID, action: .ping(.init()), origin: CommandOrigin(),
                    outcome: .timedOut(after: .seconds(5)), timeout: .seconds(5), issuedAt: Date(), sentAt: Date(), finishedAt: Date()
                ))
            try await store.writer.flush()
            #expect(try await store.history.command(ping.commandID)?.state == "timed_out")
            #expect(try await store.history.unresolved(agentID: agentID, since: .distantPast).isEmpty, "a ping changed nothing to learn")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func anOutcomeUnknownAnswerStaysUnresolvedUntilItsReconciliation(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { store in
            let agentID = UUID()
            let uncertain = StoreFixture.record(agent: agentID, action: "sell")
            let refused = StoreFixture.record(agent: agentID, action: "sell")
            for record in [uncertain, refused] {
                try await store.log.commandCreated(record, durable: false)
                store.log.commandSent(record.commandID, at: Date())
            }
            for (record, code) in [(uncertain, "outcome_unknown"), (refused, "insufficient_balance")] {
                var ack = Commandhub_V1_CommandAck()
                ack.commandID = record.commandID.lowercased
                ack.errorCode = code
                store.log.commandFinished(
                    CommandReport(
                        commandID: record.commandID, agentID: agentID, action: .sell(.init()), origin: CommandOrigin(),
                        outcome: .answered(ack), timeout: .seconds(5), issuedAt: Date(), sentAt: Date(), finishedAt: Date()
                    ))
            }
            try await store.writer.flush()
            #expect(try await store.history.unresolved(agentID: agentID, since: .distantPast) == [uncertain.commandID])
            var fill = Commandhub_V1_CommandAck()
            fill.commandID = uncertain.commandID.lowercased
            fill.success = true
            store.log.commandReconciled(uncertain.commandID, agentID: agentID, ack: fill, at: Date())
            store.log.commandReconciled(refused.commandID, agentID: agentID, ack: fill, at: Date())
            try await store.writer.flush()
            let settled = try #require(try await store.history.command(uncertain.commandID))
            #expect(settled.state == "failed", "the final state never changes; the reconciliation tells the truth")
            #expect(settled.reconciledResult?.contains(#""executed":true"#) == true)
            #expect(try await store.history.command(refused.commandID)?.reconciledAt == nil, "a definite answer needs no reconciling")
            #expect(try await store.history.unresolved(agentID: agentID, since: .distantPast).isEmpty)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func agentStatesAreCoalescedPerAgent(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { store in
            let identity = AgentIdentity(agentID: UUID(), name: "a")
            var snapshot = AgentSnapshot(
                identity: identity, connected: true, status: .active, walletsSynced: 0, syncRequests: 0, inFlight: 0,
                lastSync: nil, lastHeartbeat: nil, lastSeen: Date(), connectedAt: Date(), sessionID: nil, remotePeer: nil,
                credentialName: "c"
            )
            store.writer.append(.agentConnected(snapshot, credential: "c"))
            for count in 1...100 {
                snapshot.syncRequests = UInt64(count)
                store.writer.updateAgentState(snapshot)
            }
            try await store.writer.flush()
            #expect(try await store.storedSyncRequests(of: identity.agentID) == 100)
        }
    }
}
