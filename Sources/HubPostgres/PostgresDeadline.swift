import Synchronization

/// PostgreSQL did not answer in time: the client's pool waits for a connection as long as the
/// server refuses new ones, so every operation the hub must not hang on has a deadline.
package struct PostgresTimeout: Error, CustomStringConvertible {
    package let what: String
    package let after: Duration

    package var description: String { "PostgreSQL did not answer \(self.what) within \(self.after)" }
}

/// Runs `body`, failing with `PostgresTimeout` once `limit` has passed (and cancelling `body`).
///
/// Returns at the deadline whatever `body` does: it runs in a task of its own that is
/// cancelled, not awaited, so an operation that does not react to cancellation at once (a
/// connection lease, a query on a connection the server stopped answering) cannot hold the
/// caller past its deadline. A cancelled caller returns at once, too.
func withDeadline<T: Sendable>(
    _ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    let race = DeadlineRace<T>()
    let work = Task { race.finish(await Result { try await body() }) }
    let timer = Task {
        try await Task.sleep(for: limit)
        race.finish(.failure(PostgresTimeout(what: what, after: limit)))
        work.cancel()
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
        try await race.value()
    } onCancel: {
        work.cancel()
        race.finish(.failure(CancellationError()))
    }
}

/// The first of a result, a timeout or a cancellation, handed to the one waiter.
private final class DeadlineRace<T: Sendable>: Sendable {
    private struct State {
        var result: Result<T, any Error>?
        var waiter: CheckedContinuation<T, any Error>?
    }

    private let state = Mutex(State())

    func finish(_ result: Result<T, any Error>) {
        let waiter = self.state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let result = self.state.withLock { state -> Result<T, any Error>? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let result { continuation.resume(with: result) }
        }
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
