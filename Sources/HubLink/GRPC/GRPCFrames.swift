import GRPCCore
import HubCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import Wire
import SwiftProtobuf

/// The few HTTP/2 frames a gRPC server stream writes: response headers, length-prefixed
/// messages, and trailers carrying the status.
package enum GRPCFrames {
    /// `:status 200` and the gRPC content type, sent once the call is accepted.
    package static func responseHeaders() -> HTTP2Frame.FramePayload {
        .headers(.init(headers: [":status": "200", "content-type": "application/grpc"]))
    }

    /// One message, framed, in one DATA frame.
    package static func message(_ message: some SwiftProtobuf.Message, allocator: ByteBufferAllocator) throws -> HTTP2Frame.FramePayload {
        let bytes: [UInt8] = try message.serializedBytes()
        var buffer = allocator.buffer(capacity: 5 + bytes.count)
        buffer.writeInteger(UInt8(0))
        buffer.writeInteger(UInt32(bytes.count))
        buffer.writeBytes(bytes)
        return .data(.init(data: .byteBuffer(buffer)))
    }

    /// The status at the end of a call. `headersSent` false makes it a trailers-only response.
    package static func trailers(
        _ code: Status.Code, message: String?, metadata: [(String, String)] = [], headersSent: Bool
    ) -> HTTP2Frame.FramePayload {
        var headers = HPACKHeaders()
        if !headersSent {
            headers.add(name: ":status", value: "200")
            headers.add(name: "content-type", value: "application/grpc")
        }
        headers.add(name: "grpc-status", value: String(code.rawValue))
        if let message, !message.isEmpty { headers.add(name: "grpc-message", value: Self.percentEncoded(message)) }
        for (name, value) in metadata { headers.add(name: name, value: value) }
        return .headers(.init(headers: headers, endStream: true))
    }

    /// The status that ends a session's call: OK when the agent closed its side, UNAVAILABLE
    /// for a failed stream, the hub error's status (its code as `hub-error` metadata) otherwise;
    /// a hub that is shutting down adds the window its agents spread their reconnects over.
    package static func trailers(
        _ reason: SessionEnd, headersSent: Bool, reconnectWindow: Duration
    ) -> HTTP2Frame.FramePayload {
        switch reason {
        case .agentClosed:
            return self.trailers(.ok, message: nil, headersSent: headersSent)
        case .streamFailed(let why):
            return self.trailers(.unavailable, message: why, headersSent: headersSent)
        case .closedByHub(let error):
            var metadata = [(WireMetadata.hubError, error.code)]
            if case .shuttingDown = error {
                metadata.append((WireMetadata.retryAfter, String(reconnectWindow.wholeMilliseconds)))
            }
            return self.trailers(error.grpcStatus, message: error.message, metadata: metadata, headersSent: headersSent)
        }
    }

    /// gRPC's percent-encoding of `grpc-message`: printable ASCII except '%' stays as is.
    package static func percentEncoded(_ text: String) -> String {
        var encoded = ""
        encoded.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if byte >= 0x20, byte <= 0x7E, byte != UInt8(ascii: "%") {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return encoded
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        self.count >= width ? self : String(repeating: "0", count: width - self.count) + self
    }
}
