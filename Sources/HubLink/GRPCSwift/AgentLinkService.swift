import Foundation
import GRPCCore
import HubCore
import Synchronization
import Wire

/// `AgentLink.Connect` served by grpc-swift's `GRPCServer` instead of the hand-written
/// `AgentStreamHandler`, on the same session core (`AgentSession`, `SessionReader`,
/// `AgentLink`): kept to measure the two servers on the same benchmark
/// (`grpc.server = grpc-swift`). One task per call reads, one writes, one watches liveness.
struct AgentLinkService: Commandhub_V1_AgentLink.StreamingServiceProtocol {
    let link: AgentLink

    func connect(
        request: StreamingServerRequest<Commandhub_V1_AgentMessage>, context: ServerContext
    ) async throws -> StreamingServerResponse<Commandhub_V1_HubMessage> {
        let outbox = Outbox()
        let session = AgentSession(
            remotePeer: context.remotePeer, outboxCapacity: self.link.settings.outboxCapacity, stream: outbox, observer: self.link,
            now: Date(), monotonicNow: self.link.clock.now
        )
        let credential: AgentCredential
        do {
            let header = request.metadata[stringValues: "authorization"].first { _ in true }
            credential = try self.link.authenticator.authenticate(token: header.flatMap(Self.bearerToken))
        } catch {
            session.end(.closedByHub(error))
            throw Self.rpcError(.closedByHub(error)) ?? RPCError(code: .unknown, message: "refused")
        }
        guard session.accept(credential, monotonicNow: self.link.clock.now) else { throw RPCError(code: .cancelled, message: "ended") }
        self.link.accepted(session)
        let link = self.link
        return StreamingServerResponse { writer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    var reader = SessionReader(link: link, session: session)
                    do {
                        for try await message in request.messages {
                            if let welcome = reader.receive(message) {
                                outbox.push(.welcome(welcome))
                                link.attach(session)
                            }
                            if case .ended = session.phase { return }
                        }
                        session.end(.agentClosed)
                    } catch {
                        session.end(.streamFailed("\(error)"))
                    }
                }
                group.addTask {
                    let watch = SessionReader(link: link, session: session)
                    while let delay = watch.watchdog() { try await Task.sleep(for: delay) }
                }
                defer { group.cancelAll() }
                for await item in outbox.items {
                    switch item {
                    case .welcome(let welcome):
                        try await writer.write(welcome)
                    case .command(let command, let id):
                        var message = Commandhub_V1_HubMessage()
                        message.command = command
                        do {
                            try await writer.write(message)
                            session.written(id, succeeded: true)
                        } catch {
                            session.written(id, succeeded: false)
                            throw error
                        }
                    case .finish(let reason):
                        if let error = Self.rpcError(reason) { throw error }
                        return
                    }
                }
            }
            return [:]
        }
    }

    /// The status a session's end gives the call: OK when the agent closed its side.
    static func rpcError(_ reason: SessionEnd) -> RPCError? {
        switch reason {
        case .agentClosed:
            return nil
        case .streamFailed(let why):
            return RPCError(code: .unavailable, message: why)
        case .closedByHub(let error):
            let code = Status.Code(rawValue: error.grpcStatus.rawValue).flatMap(RPCError.Code.init) ?? .unknown
            return RPCError(code: code, message: error.message, metadata: ["hub-error": "\(error.code)"])
        }
    }

    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1].trimmedOfSpaces)
    }
}

/// A session's outbox for the grpc-swift call: what the session hands its stream, in order,
/// for the call's writer task.
private final class Outbox: SessionStream {
    enum Item: Sendable {
        case welcome(Commandhub_V1_HubMessage)
        case command(Commandhub_V1_Command, UUID)
        case finish(SessionEnd)
    }

    let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    init() {
        (self.items, self.continuation) = AsyncStream.makeStream(of: Item.self)
    }

    func push(_ item: Item) {
        self.continuation.yield(item)
    }

    func write(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        if case .terminated = self.continuation.yield(.command(command, id)) { session.written(id, succeeded: false) }
    }

    func finish(_ reason: SessionEnd, accepted: Bool) {
        self.continuation.yield(.finish(reason))
        self.continuation.finish()
    }
}
