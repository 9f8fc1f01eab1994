import NIOCore
import SwiftProtobuf

/// gRPC's length-prefixed message framing over HTTP/2 DATA frames: one byte "compressed"
/// flag (always 0 here), four bytes big-endian length, then the protobuf bytes.
enum GRPCFraming {
    /// Appends one framed message to `buffer`.
    static func write(_ message: some SwiftProtobuf.Message, into buffer: inout ByteBuffer) throws {
        let bytes: [UInt8] = try message.serializedBytes()
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
    }

    /// Reads every complete message from `buffer`, leaving a partial one in place.
    static func readMessages<M: SwiftProtobuf.Message>(_ type: M.Type, from buffer: inout ByteBuffer, limit: Int = 4 << 20) throws -> [M] {
        var messages: [M] = []
        while buffer.readableBytes >= 5 {
            let start = buffer.readerIndex
            guard let compressed = buffer.getInteger(at: start, as: UInt8.self),
                let length = buffer.getInteger(at: start + 1, as: UInt32.self)
            else { break }
            guard compressed == 0, Int(length) <= limit else { throw FramingError.unsupported }
            guard buffer.readableBytes >= 5 + Int(length) else { break }
            buffer.moveReaderIndex(forwardBy: 5)
            let view = buffer.readSlice(length: Int(length))!.readableBytesView
            messages.append(try M(serializedBytes: Array(view)))
        }
        if buffer.readableBytes == 0 { buffer.clear() }
        return messages
    }

    enum FramingError: Error { case unsupported }
}
