import Foundation
import GRDB
import DaemonSupport
import Synchronization
import PostgresTestSupport
import Testing
import TestSupport

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("HubDatabase", .timeLimit(.minutes(1)))
struct HubDatabaseTests {
    @Test func aDamagedFileIsRefusedAndLeftUntouched() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("hub.sqlite")
            let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) })
            try garbage.write(to: URL(fileURLWithPath: path))
            #expect {
                _ = try HubDatabase.open(path: path)
            } throws: { error in
                guard case .corrupt(let failedPath, _) = error as? StoreError else { return false }
                return failedPath == path
            }
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == garbage, "nothing was overwritten")
        }
    }

    @Test func aMissingDirectoryIsAClearError() throws {
        #expect {
            _ = try HubDatabase.open(path: "/nonexistent-\(UUID().uuidString)/hub.sqlite")
        } throws: { error in
            guard case .cannotOpen(_, let reason) = error as? StoreError else { return false }
            return reason.contains("does not exist")
        }
    }

    @Test func aFileFromANewerVersionIsRefused() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("hub.sqlite")
            let database = try HubDatabase.open(path: path)
            try await database.pool.write { db in
                try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
            }
            #expect(throws: StoreError.newerSchema(path: path, migration: "v99-from-the-future")) {
                _ = try HubDatabase.open(path: path)
            }
        }
    }

    @Test func recoveryEndsEveryUnfinishedCommandAndDisconnectsEveryAgent() async throws {
        try await TemporaryDirectory.with { directory in
            let database = try HubDatabase.open(path: directory.path("hub.sqlite"))
            try await database.pool.write { db in
                for (index, state) in ["pending", "sent", "acknowledged", "timed_out"].enumerated() {
                    try db.execute(
                        sql: """
                            INSERT INTO command (command_id, agent_id, action, parameters, requested_by, state, timeout_ms, created_at)
                            VALUES (?, 'a', 'ping', '{}', 'x', ?, 5000, ?)
                            """,
                        arguments: ["c\(index)", state, Double(index)]
                    )
                }
                try db.execute(
                    sql: """
                        INSERT INTO agent (agent_id, name, version, exchange, labels, capabilities, status, first_seen, last_seen, connected)
                        VALUES ('a', 'a', '1', 'paper', '{}', '[]', 'ACTIVE', 0, 0, 1)
                        """)
                try db.execute(
                    sql: "INSERT INTO idempotency (caller, key, fingerprint, state, created_at) VALUES ('x', 'k', 'f', 'in_progress', 0)")
            }
            #expect(try database.recoverAfterRestart() == 2)
            let (states, connected, idempotency) = try await database.pool.read { db in
                (
                    try String.fetchAll(db, sql: "SELECT state FROM command ORDER BY seq"),
                    try Int.fetchOne(db, sql: "SELECT connected FROM agent"),
                    try Row.fetchOne(db, sql: "SELECT state, status FROM idempotency")
                )
            }
            #expect(states == ["undeliverable", "undeliverable", "acknowledged", "timed_out"])
            #expect(connected == 0)
            #expect(idempotency?["state"] == "done")
            #expect(idempotency?["status"] == 503)
        }
    }
}

@Suite("CredentialStore", .timeLimit(.minutes(1)))
struct CredentialStoreTests {
    @Test(arguments: StoreKind.allCases)
    func addAuthenticatesRevokeRefusesAndOnlyTheHashIsStored(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.credentials
            let token = try await store.add(name: "desk-1", labels: ["desk": "otc"])
            #expect(token.hasPrefix("chub_") && token.count == 48)
            await #expect(throws: HubError.credentialExists("desk-1")) { _ = try await store.add(name: "desk-1") }

            let authenticator = try await CredentialAuthenticator.loaded(store: store)
            let credential = try await authenticator.authenticate(token: token)
            #expect(credential == AgentCredential(name: "desk-1", labels: ["desk": "otc"]))
            await #expect(throws: HubError.unauthenticated("invalid bearer token")) {
                _ = try await authenticator.authenticate(token: "chub_wrong")
            }
            await #expect(throws: HubError.unauthenticated("missing bearer token")) { _ = try await authenticator.authenticate(token: nil) }

            if let database = fixture.sqlite {
                let stored = try await database.pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM agent_credential") }
                #expect(!stored.description.contains(token), "the token itself is never stored")
            }

            let revoked = EventLogOfNames()
            authenticator.onRevoked(revoked.append)
            #expect(try await store.revoke(name: "desk-1"))
            #expect(try await !store.revoke(name: "desk-1"))
            try await authenticator.reload()
            #expect(revoked.names == ["desk-1"])
            await #expect(throws: HubError.credentialRevoked("desk-1")) { _ = try await authenticator.authenticate(token: token) }

            let rotated = try await store.rotate(name: "desk-1")
            try await authenticator.reload()
            #expect(try await authenticator.authenticate(token: rotated).name == "desk-1")
            await #expect(throws: HubError.self) { _ = try await authenticator.authenticate(token: token) }
            await #expect(throws: HubError.credentialNotFound("nobody")) { try await store.revoke(name: "nobody") }
            await #expect(throws: HubError.self) { _ = try await store.add(name: "bad name!") }
        }
    }
}

@Suite("IdempotencyStore", .timeLimit(.minutes(1)))
struct IdempotencyStoreTests {
    @Test(arguments: StoreKind.allCases)
    func aKeyIsClaimedOnceRepliedFromTheStoreAndBoundToItsRequest(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.idempotency
            let fingerprint = IdempotencyStore.fingerprint(method: "POST", path: "/p", query: [("b", "2"), ("a", "1")], body: [])
            #expect(fingerprint == IdempotencyStore.fingerprint(method: "POST", path: "/p", query: [("a", "1"), ("b", "2")], body: []))
            #expect(try await store.claim(caller: "ann", key: "k1", fingerprint: fingerprint) == .claimed)
            #expect(try await store.claim(caller: "ann", key: "k1", fingerprint: fingerprint) == .inProgress)
            #expect(try await store.claim(caller: "bob", key: "k1", fingerprint: fingerprint) == .claimed, "keys are per caller")
            try await store.complete(caller: "ann", key: "k1", status: 200, body: Data("{}".utf8))
            #expect(
                try await store.claim(caller: "ann", key: "k1", fingerprint: fingerprint) == .replay(status: 200, body: Data("{}".utf8)))
            #expect(try await store.claim(caller: "ann", key: "k1", fingerprint: fingerprint + "x") == .mismatch)
            try await store.release(caller: "bob", key: "k1")
            #expect(try await store.claim(caller: "bob", key: "k1", fingerprint: fingerprint) == .claimed)
        }
    }
}

@Suite("Operator and credential stores", .timeLimit(.minutes(1)))
struct AccountStoreTests {
    @Test(arguments: StoreKind.allCases)
    func operatorAccountsAreAddedChangedAndRemoved(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.operators
            try await store.add(name: "ann", role: .admin, passwordHash: "h1")
            await #expect(throws: HubError.operatorExists("ann")) { try await store.add(name: "ann", role: .viewer, passwordHash: "h") }
            try await store.add(name: "bob", role: .viewer, passwordHash: "h2")
            try await store.update(name: "bob", role: .operator, passwordHash: nil)
            await store.loggedIn(name: "bob", at: Date(timeIntervalSince1970: 1_700_000_000))
            let accounts = try await store.list()
            #expect(accounts.map(\.name) == ["ann", "bob"])
            #expect(accounts[1].role == .operator && accounts[1].passwordHash == "h2")
            #expect(accounts[1].lastLoginAt == Date(timeIntervalSince1970: 1_700_000_000))
            #expect(try await store.count(atLeast: .operator) == 2)
            try await store.remove(name: "bob")
            await #expect(throws: HubError.operatorNotFound("bob")) { try await store.remove(name: "bob") }
            await #expect(throws: HubError.operatorNotFound("bob")) { try await store.update(name: "bob", role: .admin, passwordHash: nil) }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func credentialsKeepOnlyTheHashAndRevokeOnce(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { fixture in
            let store = fixture.credentials
            let token = try await store.add(name: "desk-1", labels: ["desk": "otc"])
            await #expect(throws: HubError.credentialExists("desk-1")) { _ = try await store.add(name: "desk-1") }
            let all = try await store.loadAll()
            #expect(all.map(\.hash) == [Array(CredentialStore.hash(token))])
            #expect(all.first?.credential.labels == ["desk": "otc"])
            #expect(try await store.revoke(name: "desk-1"))
            #expect(try await !store.revoke(name: "desk-1"))
            await #expect(throws: HubError.credentialNotFound("nobody")) { try await store.revoke(name: "nobody") }
            #expect(try await store.list().first?.isRevoked == true)
            let rotated = try await store.rotate(name: "desk-1")
            #expect(try await store.list().first?.isRevoked == false)
            #expect(try await store.loadAll().map(\.hash) == [Array(CredentialStore.hash(rotated))])
        }
    }
}

@Suite("CommandHistory", .timeLimit(.minutes(1)))
struct CommandHistoryTests {
    @Test(arguments: StoreKind.allCases)
    func filtersAndAStableCursorUnderInserts(kind: StoreKind) async throws {
        try await StoreFixture.with(kind) { store in
            let (alice, bob) = (UUID(), UUID())
            let start = Date(timeIntervalSince1970: 1_700_000_000)
            for index in 0..<30 {
                let record = StoreFixture.record(
                    agent: index.isMultiple(of: 2) ? alice : bob, action: index.isMultiple(of: 3) ? "pause" : "ping",
                    at: start.addingTimeInterval(Double(index))
                )
                try await store.log.commandCreated(record, durable: false)
            }
            try await store.writer.flush()

            var filter = CommandHistory.Filter()
            filter.agentID = alice
            filter.limit = 4
            var seen: [Int64] = []
            var page = try await store.history.page(filter)
            seen += page.entries.map(\.sequence)
            // New commands arrive between pages: they are newer and never shift the pages behind.
            for _ in 0..<5 { try await store.log.commandCreated(StoreFixture.record(agent: alice), durable: false) }
            try await store.writer.flush()
            while let cursor = page.nextCursor {
                filter.before = cursor
                page = try await store.history.page(filter)
                seen += page.entries.map(\.sequence)
            }
            #expect(seen.count == 15, "every one of alice's first 15 commands, once")
            #expect(Set(seen).count == 15)
            #expect(seen == seen.sorted(by: >))

            var pauses = CommandHistory.Filter()
            pauses.action = "pause"
            pauses.since = start.addingTimeInterval(9)
            pauses.until = start.addingTimeInterval(21)
            let found = try await store.history.page(pauses).entries
            #expect(found.map(\.action) == ["pause", "pause", "pause", "pause"])
            var pending = CommandHistory.Filter()
            pending.state = .pending
            pending.limit = 1000
            #expect(try await store.history.page(pending).entries.count == 35)
        }
    }
}

/// Names reported by a callback, in order.
final class EventLogOfNames: Sendable {
    private let storage = Mutex<[String]>([])
    var names: [String] { self.storage.withLock { $0 } }
    @Sendable func append(_ name: String) { self.storage.withLock { $0.append(name) } }
}
