import Synchronization

/// The port a listener actually bound (port 0 picks one), published once, awaited by anyone.
package final class BoundPort: Sendable {
    private struct State {
        var port: Int?
        var failure: HubError?
        var waiters: [CheckedContinuation<Int, any Error>] = []
    }

    private let state = Mutex(State())

    package init() {}

    /// Publishes the port; later calls are ignored.
    package func publish(_ port: Int) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard state.port == nil, state.failure == nil else { return [] }
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    /// Fails every waiter: the listener will never bind.
    package func fail(_ error: HubError) {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Int, any Error>] in
            guard state.port == nil, state.failure == nil else { return [] }
            state.failure = error
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(throwing: error) }
    }

    /// Whether the listener has bound (and not failed).
    package var isPublished: Bool { self.state.withLock { $0.port != nil } }

    /// The bound port, once there is one.
    package var value: Int {
        get async throws {
            try await withCheckedThrowingContinuation { continuation in
                let result = self.state.withLock { state -> Result<Int, HubError>? in
                    if let port = state.port { return .success(port) }
                    if let failure = state.failure { return .failure(failure) }
                    state.waiters.append(continuation)
                    return nil
                }
                if let result { continuation.resume(with: result) }
            }
        }
    }
}
