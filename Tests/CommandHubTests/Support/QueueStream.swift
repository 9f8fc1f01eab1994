import Foundation
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

/// A session stream without a transport: commands land in an `AsyncStream` a test reads, the
/// way `AgentStreamHandler` would put them on the wire. A command counts as written once the
/// reader takes it (`take`), so a reader that stops reading fills the outbox as a stalled agent
/// would.
final class QueueStream: SessionStream {
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

    func write(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        self.continuation.yield(Item(command: command, id: id, session: session))
    }

    func finish(_ reason: SessionEnd, accepted: Bool) {
        self.continuation.finish()
    }

    /// What the stream handler does when it has written a command: reports the write.
    static func take(_ item: Item) -> Commandhub_V1_Command {
        item.session.written(item.id, succeeded: true)
        return item.command
    }
}
