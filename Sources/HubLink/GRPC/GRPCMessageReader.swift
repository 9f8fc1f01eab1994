import HubCore
import NIOCore

/// Splits a gRPC request stream into messages: each is one byte "compressed" flag, four bytes
/// big-endian length, then the payload. The declared length is checked against the limit
/// before anything is buffered, so an oversized message costs nothing but its header.
///
/// Contract: `next()` returns exactly the declared number of bytes, in order; when it returns
/// nil, fewer than `5 + maxMessageBytes` bytes are buffered (the fuzz targets check both).
package struct GRPCMessageReader {
    package enum Failure: Error, Equatable {
        case tooLarge(length: Int, limit: Int)
        case compressed
    }

    package let maxMessageBytes: Int
    private var buffer: ByteBuffer?

    package init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Bytes received but not yet returned as a message.
    package var bufferedBytes: Int { self.buffer?.readableBytes ?? 0 }

    package mutating func append(_ bytes: ByteBuffer) {
        if self.buffer == nil || self.buffer?.readableBytes == 0 {
            self.buffer = bytes
        } else {
            var incoming = bytes
            self.buffer?.writeBuffer(&incoming)
        }
    }

    /// The next complete message's payload, or nil until more bytes arrive.
    package mutating func next() throws(Failure) -> ByteBuffer? {
        guard var buffer = self.buffer, buffer.readableBytes >= 5,
            let flag = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self),
            let length = buffer.getInteger(at: buffer.readerIndex + 1, as: UInt32.self)
        else { return nil }
        guard flag == 0 else { throw .compressed }
        guard Int(length) <= self.maxMessageBytes else { throw .tooLarge(length: Int(length), limit: self.maxMessageBytes) }
        guard buffer.readableBytes >= 5 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 5)
        let message = buffer.readSlice(length: Int(length))
        self.buffer = buffer.readableBytes == 0 ? nil : buffer
        return message
    }
}
