import Foundation
import GRDB
import SwiftProtobuf
import Synchronization
import Wire

/// The finished-command record in the agent's SQLite file: survives restarts, kept for
/// `retention`, so a replayed command id is answered from it and never executed twice.
///
/// Cheap on the command path: the ids on record are known in memory (loaded once), so a new
/// command's check never reads the file; records are committed in groups — the first caller
/// commits its record, and every record that arrives while a transaction runs goes into the
/// next one, its caller returning once that is on disk (group commit: a burst of acks costs
/// one transaction, not one each).
public final class SQLiteFinishedCommands: FinishedCommandStore {
    private struct Record: Sendable {
        let commandID: String
        let action: String
        let ack: Data
        let at: Double
    }

    /// What a `record` call is told once it may return.
    private enum Turn: Sendable {
        /// Nobody is committing: this call commits its record and every one that arrives meanwhile.
        case lead
        /// A leader committed this record.
        case committed
    }

    private struct State {
        /// Ids on record, once loaded; nil until the first check.
        var known: Set<UUID>?
        /// Records waiting for the leader's next transaction, with their callers.
        var waiting: [(record: Record, caller: CheckedContinuation<Turn, any Error>)] = []
        /// A `record` call is committing; others join its next group.
        var committing = false
        var last: String?
    }

    let store: AgentStore
    let retention: Duration
    private let state = Mutex(State())

    public init(store: AgentStore, retention: Duration) {
        self.store = store
        self.retention = retention
    }

    public func ack(for commandID: String) async throws(AgentError) -> Commandhub_V1_CommandAck? {
        let id = commandID.lowercased()
        guard let uuid = UUID(text: id) else { return nil }
        guard try await self.knownIDs().contains(uuid) else { return nil }
        do {
            let data = try await self.store.pool.read { db in
                try Data.fetchOne(db, sql: "SELECT ack FROM finished_command WHERE command_id = ?", arguments: [id])
            }
            return try data.map { try Commandhub_V1_CommandAck(serializedBytes: $0) }
        } catch {
            throw .store("\(error)")
        }
    }

    /// The ids on record, loaded at the first call.
    private func knownIDs() async throws(AgentError) -> Set<UUID> {
        if let known = self.state.withLock({ $0.known }) { return known }
        let ids: [String]
        do {
            ids = try await self.store.pool.read { db in try String.fetchAll(db, sql: "SELECT command_id FROM finished_command") }
        } catch {
            throw .store("\(error)")
        }
        let loaded = Set(ids.compactMap { UUID(text: $0) })
        return self.state.withLock { state in
            state.known = state.known.map { $0.union(loaded) } ?? loaded
            return state.known ?? loaded
        }
    }

    public func record(_ ack: Commandhub_V1_CommandAck, action: String) async throws(AgentError) {
        let bytes: Data
        do { bytes = try ack.serializedBytes() } catch { throw .store("\(error)") }
        let record = Record(commandID: ack.commandID.lowercased(), action: action, ack: bytes, at: Date().timeIntervalSince1970)
        let turn: Turn
        do {
            turn = try await withCheckedThrowingContinuation { (caller: CheckedContinuation<Turn, any Error>) in
                let leads = self.state.withLock { state -> Bool in
                    guard !state.committing else {
                        state.waiting.append((record, caller))
                        return false
                    }
                    state.committing = true
                    return true
                }
                if leads { caller.resume(returning: .lead) }
            }
        } catch {
            throw error as? AgentError ?? .store("\(error)")
        }
        if case .lead = turn { try await self.commit(first: record) }
    }

    /// The leader's loop: commits its own record with those waiting, then each group that
    /// gathered during the last transaction, until none waits. Every caller is resumed once its
    /// transaction is committed (or failed); the leader's own failure is thrown.
    private func commit(first: Record) async throws(AgentError) {
        var own: Record? = first
        var ownFailure: AgentError?
        while true {
            let group = self.state.withLock { state -> [(record: Record, caller: CheckedContinuation<Turn, any Error>?)] in
                defer { state.waiting = [] }
                if state.waiting.isEmpty, own == nil { state.committing = false }
                return state.waiting.map { ($0.record, $0.caller) }
            }
            let records = (own.map { [$0] } ?? []) + group.map(\.record)
            guard !records.isEmpty else { break }
            do {
                try await self.store.pool.write { db in
                    let statement = try db.cachedStatement(
                        sql: "INSERT OR REPLACE INTO finished_command (command_id, action, ack, finished_at) VALUES (?, ?, ?, ?)")
                    for record in records {
                        try statement.execute(arguments: [record.commandID, record.action, record.ack, record.at])
                    }
                }
                self.state.withLock { state in
                    for record in records { if let id = UUID(text: record.commandID) { state.known?.insert(id) } }
                    state.last = records.last?.commandID
                }
                for member in group { member.caller?.resume(returning: .committed) }
            } catch {
                let failure = AgentError.store("\(error)")
                if own != nil { ownFailure = failure }
                for member in group { member.caller?.resume(throwing: failure) }
            }
            own = nil
        }
        if let ownFailure { throw ownFailure }
    }

    public func lastFinishedCommandID() async throws(AgentError) -> String? {
        if let last = self.state.withLock({ $0.last }) { return last }
        do {
            return try await self.store.pool.read { db in
                try String.fetchOne(db, sql: "SELECT command_id FROM finished_command ORDER BY finished_at DESC, rowid DESC LIMIT 1")
            }
        } catch {
            throw .store("\(error)")
        }
    }

    /// Forgets finished commands older than the retention window; returns how many.
    @discardableResult
    public func prune(now: Date = Date()) async throws(AgentError) -> Int {
        let before = now.addingTimeInterval(-Double(self.retention.components.seconds)).timeIntervalSince1970
        do {
            let (count, remaining) = try await self.store.pool.write { db -> (Int, [String]) in
                try db.execute(sql: "DELETE FROM finished_command WHERE finished_at < ?", arguments: [before])
                return (db.changesCount, try String.fetchAll(db, sql: "SELECT command_id FROM finished_command"))
            }
            if count > 0 {
                let ids = Set(remaining.compactMap { UUID(text: $0) })
                self.state.withLock { $0.known = ids }
            }
            return count
        } catch {
            throw .store("\(error)")
        }
    }

    /// How many finished commands are on record.
    public func count() throws -> Int {
        try self.store.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM finished_command") ?? 0 }
    }
}
