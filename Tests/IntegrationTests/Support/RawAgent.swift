import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Wire

/// An agent the test drives message by message over a real gRPC stream: it sends exactly
/// what the test says (or nothing), so tests can play silent, slow or malformed agents.
final class RawAgent: Sendable {
    let agentID: UUID
    private let outgoing: AsyncStream<Commandhub_V1_AgentMessage>.Continuation
    /// The hub's messages; finishes when the call ends, throwing the call's error if it failed.
    let incoming: AsyncThrowingStream<Commandhub_V1_HubMessage, any Error>
    private let task: Task<Void, Never>

    /// Opens the stream. Nothing is sent until the test calls `send`.
    init(
        port: Int, token: String? = TestHub.token, agentID: UUID = UUID(), maxMessageBytes: Int = 4 << 20,
        security: HTTP2ClientTransport.Posix.TransportSecurity = .plaintext
    ) {
        self.agentID = agentID
        let (outbound, outgoing) = AsyncStream.makeStream(of: Commandhub_V1_AgentMessage.self)
        let (incoming, inbound) = AsyncThrowingStream.makeStream(of: Commandhub_V1_HubMessage.self)
        self.outgoing = outgoing
        self.incoming = incoming
        self.task = Task {
            do {
                try await withGRPCClient(
                    transport: .http2NIOPosix(
                        target: .ipv4(address: "127.0.0.1", port: port),
                        transportSecurity: security,
                        config: .defaults { $0.http2.maxFrameSize = 1 << 14 }
                    )
                ) { client in
                    let link = Commandhub_V1_AgentLink.Client(wrapping: client)
                    var metadata: Metadata = [:]
                    if let token { metadata.addString("Bearer \(token)", forKey: "authorization") }
                    var options = CallOptions.defaults
                    options.maxRequestMessageBytes = maxMessageBytes
                    try await link.connect(metadata: metadata, options: options) { writer in
                        for await message in outbound { try await writer.write(message) }
                    } onResponse: { response in
                        for try await message in response.messages { inbound.yield(message) }
                    }
                }
                inbound.finish()
            } catch {
                inbound.finish(throwing: error)
            }
        }
    }

    func send(_ message: Commandhub_V1_AgentMessage) {
        self.outgoing.yield(message)
    }

    /// Sends a valid `Hello` for this agent.
    func sendHello(name: String = "raw-agent", labels: [String: String] = [:]) {
        var hello = Commandhub_V1_Hello()
        hello.agentID = self.agentID.uuidString.lowercased()
        hello.name = name
        hello.version = "raw-1"
        hello.exchange = "paper"
        hello.labels = labels
        hello.status = .active
        var message = Commandhub_V1_AgentMessage()
        message.hello = hello
        self.send(message)
    }

    /// Sends an ack for `command`.
    func ack(_ command: Commandhub_V1_Command, success: Bool = true, message text: String = "ok") {
        var ack = Commandhub_V1_CommandAck()
        ack.commandID = command.commandID
        ack.success = success
        ack.message = text
        ack.status = .active
        var message = Commandhub_V1_AgentMessage()
        message.ack = ack
        self.send(message)
    }

    /// Half-closes the request stream (the agent says goodbye).
    func finish() {
        self.outgoing.finish()
    }

    /// Tears the whole call down at once, as if the process died.
    func kill() {
        self.task.cancel()
        self.outgoing.finish()
    }

    /// The call's end: nil if it ended cleanly, else its error.
    func ending() async -> (any Error)? {
        do {
            for try await _ in self.incoming {}
            return nil
        } catch {
            return error
        }
    }

    deinit {
        self.task.cancel()
        self.outgoing.finish()
    }
}

/// Reads hub messages one at a time from a `RawAgent`.
struct HubMessages {
    var iterator: AsyncThrowingStream<Commandhub_V1_HubMessage, any Error>.AsyncIterator

    init(_ agent: RawAgent) { self.iterator = agent.incoming.makeAsyncIterator() }

    /// The next message; throws the call's error, or `EndOfStream` if it ended cleanly.
    mutating func next() async throws -> Commandhub_V1_HubMessage {
        guard let message = try await self.iterator.next() else { throw EndOfStream() }
        return message
    }

    /// Skips to the next command.
    mutating func nextCommand() async throws -> Commandhub_V1_Command {
        while true {
            if case .command(let command) = try await self.next().kind { return command }
        }
    }

    /// Drains the stream; nil if the call ended cleanly, else its error.
    mutating func ending() async -> (any Error)? {
        do {
            while try await self.iterator.next() != nil {}
            return nil
        } catch {
            return error
        }
    }

    struct EndOfStream: Error {}
}
