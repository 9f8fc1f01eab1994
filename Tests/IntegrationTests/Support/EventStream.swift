import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import TestSupport

/// One server-sent event (or comment) as a client parses it off the wire.
struct ServerSentEvent: Sendable, CustomStringConvertible {
    var id: String?
    var event: String?
    var data: String?
    /// The text of a comment line (`: keepalive`), for comments only.
    var comment: String?

    var json: JSONValue { JSONValue.parse(self.data ?? "") }
    var type: String? { self.event }

    var description: String {
        if let comment { return ": \(comment)" }
        return "id=\(self.id ?? "-") event=\(self.event ?? "-") data=\(self.data ?? "")"
    }
}

/// A `text/event-stream` response read over a real HTTP connection while a test runs.
///
/// The body is read by a child task of `with`; events and comments arrive in `messages` in
/// order (wait on them, never sleep), and `ended` gets one entry when the body ends.
struct EventStream: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let messages: EventLog<ServerSentEvent>
    let ended: EventLog<Bool>

    /// The events (not comments) received so far.
    var events: [ServerSentEvent] { self.messages.events.filter { $0.comment == nil } }

    /// Waits until `count` events (not comments) have arrived and returns the first `count`.
    func waitForEvents(_ count: Int) async throws -> [ServerSentEvent] {
        let seen = Counter()
        try await self.messages.wait { message in message.comment == nil && seen.increment() >= count }
        return Array(self.events.prefix(count))
    }

    /// Opens `path` (a GET with the client's token) and runs `body` while the stream is read;
    /// the connection is closed when `body` returns.
    static func with<T: Sendable>(
        _ rest: RESTClient, _ path: String, _ body: (EventStream) async throws -> T
    ) async throws -> T {
        var request = HTTPClientRequest(url: rest.base + path)
        if let token = rest.token { request.headers.add(name: "authorization", value: "Bearer \(token)") }
        request.headers.add(name: "accept", value: "text/event-stream")
        let response = try await HTTPClient.shared.execute(request, timeout: .minutes(10))
        let stream = EventStream(
            status: Int(response.status.code), headers: response.headers, messages: EventLog(), ended: EventLog()
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                var parser = EventStreamParser()
                do {
                    for try await chunk in response.body {
                        for message in parser.feed(String(buffer: chunk)) { stream.messages.append(message) }
                    }
                } catch {}
                stream.ended.append(true)
                return nil
            }
            defer { group.cancelAll() }
            return try await body(stream)
        }
    }
}

/// Splits `text/event-stream` text into events and comments (the parts of the format the hub uses).
struct EventStreamParser {
    private var partial = ""
    private var current = ServerSentEvent()

    mutating func feed(_ text: String) -> [ServerSentEvent] {
        self.partial += text
        var out: [ServerSentEvent] = []
        while let newline = self.partial.firstIndex(of: "\n") {
            let line = String(self.partial[..<newline])
            self.partial = String(self.partial[self.partial.index(after: newline)...])
            if line.isEmpty {
                if self.current.event != nil || self.current.data != nil || self.current.id != nil { out.append(self.current) }
                self.current = ServerSentEvent()
            } else if line.hasPrefix(":") {
                out.append(ServerSentEvent(comment: String(line.dropFirst()).trimmingCharacters(in: .whitespaces)))
            } else {
                let (field, value) = Self.split(line)
                switch field {
                case "id": self.current.id = value
                case "event": self.current.event = value
                case "data": self.current.data = (self.current.data.map { $0 + "\n" } ?? "") + value
                default: break
                }
            }
        }
        return out
    }

    private static func split(_ line: String) -> (String, String) {
        guard let colon = line.firstIndex(of: ":") else { return (line, "") }
        var value = line[line.index(after: colon)...]
        if value.first == " " { value = value.dropFirst() }
        return (String(line[..<colon]), String(value))
    }
}

/// A counter a `@Sendable` predicate can bump.
final class Counter: Sendable {
    private let value = Mutex(0)

    func increment() -> Int {
        self.value.withLock {
            $0 += 1; return $0
        }
    }
}
