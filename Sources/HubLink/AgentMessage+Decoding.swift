import HubCore
import NIOCore
import SwiftProtobuf
import Wire

extension GRPCMessageReader {
    /// The next message from an agent's stream, decoded; nil until more bytes arrive.
    ///
    /// This is the whole of what the hub does to an agent's bytes before acting on them, and the
    /// fuzz targets call it as `AgentStreamHandler` does. Every failure is a `HubError` that ends
    /// the stream: `.messageTooLarge` for a declared length past the limit (nothing of it is
    /// buffered), `.undecodableMessage` for a compressed message or bytes that are not an
    /// `AgentMessage`. After a throw the reader must not be used again.
    package mutating func nextAgentMessage() throws(HubError) -> Commandhub_V1_AgentMessage? {
        let payload: ByteBuffer?
        do {
            payload = try self.next()
        } catch .tooLarge(let length, let limit) {
            throw .messageTooLarge(bytes: length, limit: limit)
        } catch {
            throw .undecodableMessage("compressed messages are not supported")
        }
        guard let payload else { return nil }
        return try Commandhub_V1_AgentMessage(agentPayload: payload)
    }
}

extension Commandhub_V1_AgentMessage {
    /// Decodes one message payload (the bytes after the gRPC length prefix).
    package init(agentPayload payload: ByteBuffer) throws(HubError) {
        do {
            try self.init(serializedBytes: Array(payload.readableBytesView))
        } catch {
            throw .undecodableMessage("not a valid AgentMessage")
        }
    }
}
