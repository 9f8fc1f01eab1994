import Foundation
@testable import CommandHub
import Wire

/// A session output without a transport: commands land in an `AsyncStream` a test reads, the
/// way `AgentStreamHandler` would put them on the wire. A command counts as written once the
/// reader takes it (`take`), so a reader that stops reading fills the outbox as a stalled agent would.
final class QueueOutput: SessionOutput {
    struct Item: Sendable {
        let command: Commandhub_V1_Command
        let id: UUID
        let session: AgentSession
    }

    let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    init() {
        (self.items, self.continuation) = AsyncStream.makeStream(of: Item.self)
    }

    func send(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        self.continuation.yield(Item(command: command, id: id, session: session))
    }

    func end(_ reason: SessionEnd) {
        self.continuation.finish()
    }

    /// What the stream handler does when it writes a command: marks it sent and frees its slot.
    static func take(_ item: Item, dispatcher: CommandDispatcher) -> Commandhub_V1_Command {
        dispatcher.markSent(item.id)
        item.session.written()
        return item.command
    }
}
