import Synchronization

/// The port a listener actually bound (port 0 picks one), published once, awaited by anyone.
package final class BoundPort: Sendable {
    private struct State {
        var outcome: Result<Int, HubError>?
        var waiters = Waiters<Result<Int, HubError>>()
    }

    private let state = Mutex(State())

    package init() {}

    /// Publishes the port; later calls are ignored.
    package func publish(_ port: Int) { self.settle(.success(port)) }

    /// Fails every waiter: the listener will never bind.
    package func fail(_ error: HubError) { self.settle(.failure(error)) }

    private func settle(_ outcome: Result<Int, HubError>) {
        let waiters = self.state.withLock { state -> Resumption<Result<Int, HubError>>? in
            guard state.outcome == nil else { return nil }
            state.outcome = outcome
            return state.waiters.takeAll()
        }
        waiters?.resume(returning: outcome)
    }

    /// Whether the listener has bound (and not failed).
    package var isPublished: Bool { self.state.withLock { (try? $0.outcome?.get()) != nil } }

    /// The bound port, once there is one.
    package var value: Int {
        get async throws(HubError) {
            try await self.state.wait(in: \.waiters) { $0.outcome }.get()
        }
    }
}
