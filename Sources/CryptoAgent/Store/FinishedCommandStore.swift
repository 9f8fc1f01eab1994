import Foundation
import Synchronization
import Wire

/// The acks of commands the agent already finished, so a replayed command id is answered from
/// this record and never executed twice.
public protocol FinishedCommandStore: Sendable {
    /// The recorded ack of a finished command, if it is still within the retention window.
    func ack(for commandID: String) async throws(AgentError) -> Commandhub_V1_CommandAck?
    /// Records a finished command's ack durably before the ack is sent.
    func record(_ ack: Commandhub_V1_CommandAck, action: String) async throws(AgentError)
    /// The id of the most recently finished command, for `Hello`.
    func lastFinishedCommandID() async throws(AgentError) -> String?
    /// Forgets finished commands past the retention window; returns how many.
    @discardableResult
    func prune(now: Date) async throws(AgentError) -> Int
}

/// A process-lifetime store, for tests and for agents run without a state file.
public final class InMemoryFinishedCommands: FinishedCommandStore {
    private struct State {
        var acks: [String: Commandhub_V1_CommandAck] = [:]
        var order: [String] = []
    }

    private let state = Mutex(State())
    private let capacity: Int

    public init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    public func ack(for commandID: String) async throws(AgentError) -> Commandhub_V1_CommandAck? {
        self.state.withLock { $0.acks[commandID] }
    }

    public func record(_ ack: Commandhub_V1_CommandAck, action: String) async throws(AgentError) {
        self.state.withLock { state in
            if state.acks.updateValue(ack, forKey: ack.commandID) == nil { state.order.append(ack.commandID) }
            if state.order.count > self.capacity {
                let evicted = state.order.removeFirst()
                state.acks[evicted] = nil
            }
        }
    }

    public func lastFinishedCommandID() async throws(AgentError) -> String? {
        self.state.withLock { $0.order.last }
    }

    /// Bounded by `capacity` instead of by time: nothing to prune.
    public func prune(now: Date) async throws(AgentError) -> Int { 0 }
}
