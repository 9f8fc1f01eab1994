import Foundation
@testable import CommandHub
import Wire

/// An agent session without a transport: it is attached to the registry like a real one, and
/// a task reads its output and answers through the dispatcher as the real reader would.
struct FakeAgent {
    let session: AgentSession
    let agentID: UUID
    /// The commands the hub wrote to this agent, in order.
    let outbox: QueueOutput

    /// How the fake answers a command it receives.
    enum Behavior: Sendable {
        /// Ack at once with success.
        case ack
        /// Never answer.
        case silent
    }

    /// Creates, activates and attaches a session for a new agent id.
    static func connect(to dispatcher: CommandDispatcher, name: String = "fake") -> FakeAgent {
        let output = QueueOutput()
        let session = AgentSession(
            remotePeer: "in-process", credential: AgentCredential(name: "test"), outboxCapacity: 1024,
            output: output, now: Date(), monotonicNow: dispatcher.clock.now
        )
        let identity = AgentIdentity(agentID: UUID(), name: name, exchange: "paper")
        _ = session.activate(identity, status: .active)
        _ = dispatcher.registry.attach(session)
        return FakeAgent(session: session, agentID: identity.agentID, outbox: output)
    }

    /// Reads the outbox until the session closes: marks each command sent, reports it to
    /// `received`, and answers it as `behavior` says.
    func serve(_ dispatcher: CommandDispatcher, behavior: Behavior, received: @Sendable (Commandhub_V1_Command) -> Void = { _ in }) async {
        for await item in self.outbox.items {
            let command = QueueOutput.take(item, dispatcher: dispatcher)
            received(command)
            if case .ack = behavior { dispatcher.acknowledge(Self.ack(for: command), from: self.session) }
        }
    }

    /// Ends the session the way the link service does when a stream ends.
    func disconnect(_ dispatcher: CommandDispatcher, reason: SessionEnd = .agentClosed) {
        self.session.close(reason)
        dispatcher.registry.detach(self.session)
        dispatcher.sessionEnded(self.session)
    }

    static func ack(for command: Commandhub_V1_Command, success: Bool = true) -> Commandhub_V1_CommandAck {
        var ack = Commandhub_V1_CommandAck()
        ack.commandID = command.commandID
        ack.success = success
        ack.message = "done: \(command.action?.name ?? "?")"
        ack.status = .active
        return ack
    }
}
