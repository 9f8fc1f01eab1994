import Foundation
import Logging
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

/// An agent session without a transport, on a real `AgentLink`: it is accepted, identified and
/// attached like a real one, its acks go through the link as the stream handler's do, and it
/// ends through `AgentSession.end` — only the bytes are missing.
struct FakeAgent {
    let session: AgentSession
    let agentID: UUID
    let link: AgentLink
    /// The commands the hub wrote to this agent, in order.
    let outbox: QueueStream

    /// How the fake answers a command it receives.
    enum Behavior: Sendable {
        /// Ack at once with success.
        case ack
        /// Never answer.
        case silent
    }

    /// Creates, accepts, activates and attaches a session for a new agent id.
    static func connect(to dispatcher: CommandDispatcher, name: String = "fake") -> FakeAgent {
        let link = AgentLink.forTests(dispatcher)
        let output = QueueStream()
        let session = AgentSession(
            remotePeer: "in-process", outboxCapacity: 1024, stream: output, observer: link, now: Date(), monotonicNow: dispatcher.clock.now
        )
        let identity = AgentIdentity(agentID: UUID(), name: name, exchange: "paper")
        _ = session.accept(AgentCredential(name: "test"), monotonicNow: dispatcher.clock.now)
        link.accepted(session)
        _ = session.activate(identity, status: .active, at: Date())
        link.attach(session)
        return FakeAgent(session: session, agentID: identity.agentID, link: link, outbox: output)
    }

    /// Hands an ack to the link as the stream handler does; false if it answered nothing.
    @discardableResult
    func acknowledge(_ ack: Commandhub_V1_CommandAck) -> Bool {
        self.link.received(ack, on: self.session)
    }

    /// Reads the outbox until the session ends: reports each command written, hands it to
    /// `received`, and answers it as `behavior` says.
    func serve(behavior: Behavior, received: @Sendable (Commandhub_V1_Command) -> Void = { _ in }) async {
        for await item in self.outbox.items {
            let command = QueueStream.take(item)
            received(command)
            if case .ack = behavior { self.acknowledge(Self.ack(for: command)) }
        }
    }

    /// Ends the session as a stream's end does.
    func disconnect(reason: SessionEnd = .agentClosed) {
        self.session.end(reason)
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

extension AgentLink {
    /// A link around `dispatcher` with nothing behind it: no credentials (static tokens only),
    /// no stored history to reconcile, wallets in memory.
    static func forTests(_ dispatcher: CommandDispatcher) -> AgentLink {
        AgentLink(
            registry: dispatcher.registry, dispatcher: dispatcher, authenticator: StaticTokenAuthenticator(tokens: []),
            reconciler: Reconciler(
                history: NoUnresolvedCommands(), dispatcher: dispatcher, window: .seconds(60), timeout: .seconds(5),
                logger: Logger(label: "test")),
            wallets: WalletBook(writer: nil),
            settings: .init(
                heartbeatInterval: .seconds(5), livenessTimeout: .seconds(15), helloTimeout: .seconds(10), outboxCapacity: 1024,
                maxMessageBytes: 1 << 20
            ), logger: Logger(label: "test")
        )
    }
}

/// A history without unresolved commands.
struct NoUnresolvedCommands: UnresolvedCommands {
    func unresolved(agentID: UUID, since: Date) async throws -> [UUID] { [] }
}
