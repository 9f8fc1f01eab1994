import HubAPI
import HubCore
import HubLink
import HubStorage
import NIOCore
import SwiftProtobuf
import Wire

extension FuzzTarget {
    /// `agent-stream`: byte 0 is the chunk size the stream arrives in (0: all at once), byte 1
    /// the message limit in units of 16 bytes, the rest the bytes an agent sends on its call.
    ///
    /// The framing is judged against a reference reading of the same bytes: `GRPCMessageReader`
    /// returns exactly the declared payloads in order, fails exactly where a message is
    /// compressed or declares more than the limit, and — whenever it waits for more bytes — holds
    /// fewer than `5 + limit`. Then the production path (`nextAgentMessage()`, as
    /// `AgentStreamHandler` calls it) must yield the same messages the payloads decode to, fail
    /// with the documented `HubError`s only, and each message passes `checkDecoded`.
    package static func checkAgentStream(_ bytes: [UInt8]) throws(FuzzViolation) {
        guard bytes.count >= 2 else { return }
        let chunkSize = bytes[0] == 0 ? max(bytes.count - 2, 1) : Int(bytes[0])
        let limit = Int(bytes[1]) * 16
        let stream = Array(bytes[2...])
        let expected = Self.referenceFrames(stream, limit: limit)
        try Self.checkFraming(stream, chunkSize: chunkSize, limit: limit, expected: expected)
        try Self.checkMessages(stream, chunkSize: chunkSize, limit: limit, expected: expected)
    }

    /// What a length-prefixed stream holds, read naively from the gRPC spec.
    package enum ReferenceFrame: Equatable {
        case payload([UInt8])
        case compressed
        case tooLarge(length: Int)
    }

    package static func referenceFrames(_ stream: [UInt8], limit: Int) -> [ReferenceFrame] {
        var frames: [ReferenceFrame] = []
        var offset = 0
        while stream.count - offset >= 5 {
            let length = stream[(offset + 1)..<(offset + 5)].reduce(0) { $0 << 8 | Int($1) }
            if stream[offset] != 0 { return frames + [.compressed] }
            if length > limit { return frames + [.tooLarge(length: length)] }
            guard stream.count - offset - 5 >= length else { break }
            frames.append(.payload(Array(stream[(offset + 5)..<(offset + 5 + length)])))
            offset += 5 + length
        }
        return frames
    }

    /// `GRPCMessageReader.next()` against the reference, chunk by chunk.
    private static func checkFraming(_ stream: [UInt8], chunkSize: Int, limit: Int, expected: [ReferenceFrame]) throws(FuzzViolation) {
        var reader = GRPCMessageReader(maxMessageBytes: limit)
        var got: [ReferenceFrame] = []
        var appended = 0
        var consumed = 0
        for start in stride(from: 0, to: stream.count, by: chunkSize) {
            let chunk = stream[start..<min(start + chunkSize, stream.count)]
            reader.append(ByteBuffer(bytes: chunk))
            appended += chunk.count
            while true {
                let payload: ByteBuffer?
                do {
                    payload = try reader.next()
                } catch .tooLarge(let length, let limitSeen) {
                    try FuzzViolation.require(limitSeen == limit, "framing: tooLarge reports limit \(limitSeen), not \(limit)")
                    got.append(.tooLarge(length: length))
                    return try FuzzViolation.require(got == expected, "framing: \(got) where the stream holds \(expected)")
                } catch {
                    got.append(.compressed)
                    return try FuzzViolation.require(got == expected, "framing: \(got) where the stream holds \(expected)")
                }
                guard let payload else { break }
                consumed += 5 + payload.readableBytes
                got.append(.payload(Array(payload.readableBytesView)))
                let declared = got.count <= expected.count ? "\(expected[got.count - 1])" : "no more messages"
                try FuzzViolation.require(
                    got.last == (got.count <= expected.count ? expected[got.count - 1] : nil),
                    "framing: message \(got.count) is \(payload.readableBytes) bytes where the stream holds \(declared)"
                )
            }
            try FuzzViolation.require(
                reader.bufferedBytes == appended - consumed,
                "framing: holds \(reader.bufferedBytes) bytes, received \(appended - consumed) unread"
            )
            try FuzzViolation.require(
                reader.bufferedBytes < 5 + limit, "framing: waits holding \(reader.bufferedBytes) bytes, limit \(limit) + 5-byte prefix"
            )
        }
        try FuzzViolation.require(got == expected, "framing: read \(got.count) messages where the stream holds \(expected.count)")
    }

    /// The production path, `nextAgentMessage()`, against decoding each reference payload.
    private static func checkMessages(_ stream: [UInt8], chunkSize: Int, limit: Int, expected: [ReferenceFrame]) throws(FuzzViolation) {
        var reader = GRPCMessageReader(maxMessageBytes: limit)
        var index = 0
        for start in stride(from: 0, to: stream.count, by: chunkSize) {
            reader.append(ByteBuffer(bytes: stream[start..<min(start + chunkSize, stream.count)]))
            while true {
                let message: Commandhub_V1_AgentMessage?
                do {
                    message = try reader.nextAgentMessage()
                } catch {
                    let frame = index < expected.count ? expected[index] : nil
                    switch (frame, error) {
                    case (.compressed?, .undecodableMessage), (.tooLarge?, .messageTooLarge):
                        break
                    case (.payload(let payload)?, .undecodableMessage):
                        try FuzzViolation.require(
                            (try? Commandhub_V1_AgentMessage(serializedBytes: payload)) == nil, "stream: a decodable payload was refused"
                        )
                    default:
                        throw FuzzViolation("stream: \(error) where the stream holds \(frame.map { "\($0)" } ?? "nothing more")")
                    }
                    return try Self.checkStreamEnd(error)
                }
                guard let message else { break }
                guard index < expected.count, case .payload(let payload) = expected[index] else {
                    throw FuzzViolation("stream: message \(index + 1) where the stream holds \(expected.count) frames")
                }
                try FuzzViolation.require(
                    (try? Commandhub_V1_AgentMessage(serializedBytes: payload)) == message,
                    "stream: message \(index + 1) differs from its payload"
                )
                try Self.checkDecoded(message)
                index += 1
            }
        }
        let messages = expected.filter { if case .payload = $0 { true } else { false } }.count
        try FuzzViolation.require(index == messages && messages == expected.count, "stream: \(index) messages of \(expected.count) frames")
    }
}
