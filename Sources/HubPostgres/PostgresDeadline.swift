/// PostgreSQL did not answer in time: the client's pool waits for a connection as long as the
/// server refuses new ones, so every operation the hub must not hang on has a deadline.
package struct PostgresTimeout: Error, CustomStringConvertible {
    package let what: String
    package let after: Duration

    package var description: String { "PostgreSQL did not answer \(self.what) within \(self.after)" }
}

/// Runs `body`, cancelled and failed with `PostgresTimeout` if it takes longer than `limit`.
func withDeadline<T: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            throw PostgresTimeout(what: what, after: limit)
        }
        return value
    }
}
