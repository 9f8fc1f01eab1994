import Synchronization
import Wire

/// The ack of a command running in a task of its own, for the link that received it: `value()`
/// returns it once the command is done, or nil at once when the link's task is cancelled (the
/// command itself goes on and records its outcome).
final class FinishedAck: Sendable {
    private struct State {
        var ack: Commandhub_V1_CommandAck?
        var waiter: CheckedContinuation<Commandhub_V1_CommandAck?, Never>?
        var cancelled = false
    }

    private let state = Mutex(State())

    func deliver(_ ack: Commandhub_V1_CommandAck) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Commandhub_V1_CommandAck?, Never>? in
            state.ack = ack
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: ack)
    }

    func value() async -> Commandhub_V1_CommandAck? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = self.state.withLock { state -> Commandhub_V1_CommandAck?? in
                    if let ack = state.ack { return .some(ack) }
                    if state.cancelled { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> CheckedContinuation<Commandhub_V1_CommandAck?, Never>? in
                state.cancelled = true
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
