import Foundation
import HubCore
import NIOCore

/// The text/event-stream encoding of what `GET /api/crypto/events/` sends.
///
/// An event is `id: <n>\nevent: <type>\ndata: <one-line JSON>\n\n`; the JSON never contains a
/// line break (the hub's JSON writer escapes them). A keepalive is the comment line
/// `: keepalive`. The overflow notice has no `id:`, so a client's last event id stays the last
/// event it really received.
package enum EventStreamFrame {
    package static func event(id: UInt64, _ event: HubEvent) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(event.data.count + 64)
        buffer.writeString("id: \(id)\nevent: \(event.kind.rawValue)\ndata: ")
        buffer.writeBytes(event.data)
        buffer.writeString("\n\n")
        return buffer
    }

    package static let keepalive = ByteBuffer(string: ": keepalive\n\n")

    /// `event: overflow` with `{"type":"overflow","at":…,"last_event_id":n|null,"capacity":n}`.
    package static func overflow(lastDelivered: UInt64?, capacity: Int, at: Date = Date()) -> ByteBuffer {
        let data = JSON.object([
            ("type", .string("overflow")),
            ("at", .preciseTimestamp(at)),
            ("last_event_id", lastDelivered.map { .integer($0) } ?? .null),
            ("capacity", .integer(capacity)),
            ("message", .string("This subscriber fell behind; events after last_event_id were dropped. Reconnect to continue.")),
        ])
        return ByteBuffer(string: "event: overflow\ndata: \(data.text)\n\n")
    }
}
