import Foundation
import GRDB
import HubCore

/// Where the `StoreWriter` commits its batches: one transaction per batch, every write of the
/// batch applied in order, then the coalesced agent states. The writer keeps the batching, the
/// waiters and the health (`storeUnavailable` while commits fail); a committer only writes.
package protocol StoreCommitter: Sendable {
    /// Applies `writes` (already folded) and `states` in one transaction. `final` is true for
    /// the last batch at shutdown, committed while the writer's task is being cancelled.
    func commit(_ writes: [StoreWrite], states: [AgentSnapshot], final: Bool) async throws

    /// Throws if the store cannot be reached now (the probe's question; SQLite: never).
    func ping() async throws

    /// One line for an error `commit` threw, as `/readyz` and `storeUnavailable` show it.
    func describe(_ error: any Error) -> String
}

/// A committer's refusal of a whole batch that must never be retried: the hub is fenced (its
/// cluster lease expired or a newer start of its id exists), so its writes are stale. The
/// writer drops the batch and fails whoever waits for it; it stays healthy for later work.
package struct StoreBatchRejected: Error, CustomStringConvertible {
    package let reason: String

    package init(reason: String) {
        self.reason = reason
    }

    package var description: String { self.reason }
}

/// The SQLite file's committer: one GRDB write transaction per batch.
package struct SQLiteCommitter: StoreCommitter {
    package let database: HubDatabase

    package init(database: HubDatabase) {
        self.database = database
    }

    package func commit(_ writes: [StoreWrite], states: [AgentSnapshot], final: Bool) async throws {
        let apply = { (db: Database) throws in
            for write in writes { try StoreWriter.apply(write, in: db) }
            for snapshot in states { try StoreWriter.applyState(snapshot, in: db) }
        }
        if final {
            // The last batch runs while the task is being cancelled, and GRDB's async write
            // refuses to start in a cancelled task: commit it synchronously.
            try self.database.pool.write(apply)
        } else {
            try await self.database.pool.write(apply)
        }
    }

    package func ping() async throws {}

    package func describe(_ error: any Error) -> String {
        StoreWriter.describe(error)
    }
}
