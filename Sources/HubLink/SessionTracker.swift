import Foundation
import HubCore
import Synchronization

/// Every session whose stream is running, whether or not it has said `Hello` yet.
///
/// The registry knows only identified sessions; shutdown needs all of them, and needs to know
/// when the last handler has returned (so its status reached the agent before the transport
/// goes away). Sessions are added when a stream is accepted and removed when its handler ends.
package final class SessionTracker: Sendable {
    private struct State {
        var sessions: [UUID: AgentSession] = [:]
        var emptyWaiters = Waiters<Void>()
        var peak = 0
    }

    private let state = Mutex(State())

    package var count: Int { self.state.withLock { $0.sessions.count } }

    /// The most sessions that ran at once.
    package var peak: Int { self.state.withLock { $0.peak } }

    package func insert(_ session: AgentSession) {
        self.state.withLock { state in
            state.sessions[session.sessionID] = session
            state.peak = max(state.peak, state.sessions.count)
        }
    }

    package func remove(_ session: AgentSession) {
        let waiters = self.state.withLock { state -> Resumption<Void>? in
            state.sessions[session.sessionID] = nil
            return state.sessions.isEmpty ? state.emptyWaiters.takeAll() : nil
        }
        waiters?.resume()
    }

    /// Every running session, identified or not.
    package var all: [AgentSession] { self.state.withLock { Array($0.sessions.values) } }

    /// Returns once no stream handler is running any more.
    package func waitUntilEmpty() async {
        await self.state.wait(in: \.emptyWaiters) { $0.sessions.isEmpty ? () : nil }
    }
}
