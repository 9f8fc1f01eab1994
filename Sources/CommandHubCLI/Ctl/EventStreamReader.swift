import Foundation

/// Turns a `text/event-stream` body into events as its chunks arrive.
///
/// Handles the parts of the format the hub sends — `id:`, `event:`, `data:` fields, comment
/// lines, a blank line ending each event — and CRLF line ends. A line longer than `maxLine`
/// is an error rather than an ever-growing buffer.
struct EventStreamReader {
    struct Event: Sendable, Equatable {
        var id: String?
        var type: String = "message"
        var data: String = ""
    }

    enum Failure: Error { case lineTooLong(Int) }

    let maxLine: Int
    private var partial: [UInt8] = []
    private var current: (id: String?, type: String?, data: [String]) = (nil, nil, [])

    init(maxLine: Int = 1 << 20) {
        self.maxLine = maxLine
    }

    /// The events completed by `bytes` (comments are dropped).
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [Event] {
        var events: [Event] = []
        for byte in bytes {
            guard byte == UInt8(ascii: "\n") else {
                self.partial.append(byte)
                guard self.partial.count <= self.maxLine else { throw .lineTooLong(self.maxLine) }
                continue
            }
            if self.partial.last == UInt8(ascii: "\r") { self.partial.removeLast() }
            let line = String(decoding: self.partial, as: UTF8.self)
            self.partial.removeAll(keepingCapacity: true)
            if let event = self.take(line) { events.append(event) }
        }
        return events
    }

    private mutating func take(_ line: String) -> Event? {
        if line.isEmpty {
            defer { self.current = (nil, nil, []) }
            guard self.current.type != nil || !self.current.data.isEmpty else { return nil }
            return Event(id: self.current.id, type: self.current.type ?? "message", data: self.current.data.joined(separator: "\n"))
        }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring = ""
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = line[...]
        }
        switch field {
        case "id": self.current.id = String(value)
        case "event": self.current.type = String(value)
        case "data": self.current.data.append(String(value))
        default: break
        }
        return nil
    }
}
