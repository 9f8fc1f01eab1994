import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2
import NIOPosix
import Synchronization
import SwiftProtobuf
import TestSupport
import Wire

/// A raw HTTP/2 connection to the hub's gRPC port, for tests that send what no well-behaved
/// agent would: garbage payloads, truncated frames, floods, many streams — or stop reading.
/// Every frame the hub sends on a stream is recorded as an event the test can wait for.
final class H2Peer: Sendable {
    /// What the hub did on one stream.
    enum StreamEvent: Sendable {
        case headers([(String, String)], endStream: Bool)
        case message(Commandhub_V1_HubMessage)
        case reset(HTTP2ErrorCode)
        case closed
    }

    let channel: any Channel
    /// "closed" once the connection closed.
    let connection = EventLog<String>()

    private init(channel: any Channel) {
        self.channel = channel
    }

    static func connect(port: Int, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> H2Peer {
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.configureHTTP2Pipeline(mode: .client, inboundStreamInitializer: nil).map { _ in }
            }
            .connect(host: "127.0.0.1", port: port).get()
        let peer = H2Peer(channel: channel)
        channel.closeFuture.whenComplete { _ in peer.connection.append("closed") }
        return peer
    }

    /// The request headers of `AgentLink.Connect`, with a bearer token when given.
    static func connectHeaders(token: String?) -> [(String, String)] {
        var headers = [
            (":method", "POST"), (":scheme", "http"), (":path", "/commandhub.v1.AgentLink/Connect"), (":authority", "hub"),
            ("content-type", "application/grpc"), ("te", "trailers"),
        ]
        if let token { headers.append(("authorization", "Bearer \(token)")) }
        return headers
    }

    /// Opens a stream and sends `headers`; with `waitForWrite` false it does not wait for the
    /// headers to leave (the HTTP/2 layer holds streams past the hub's concurrency limit).
    func openStream(headers: [(String, String)] = H2Peer.connectHeaders(token: TestHub.token), waitForWrite: Bool = true) async throws
        -> H2Stream
    {
        let events = EventLog<StreamEvent>()
        let promise = self.channel.eventLoop.makePromise(of: (any Channel).self)
        let multiplexer = try await self.channel.pipeline.handler(type: HTTP2StreamMultiplexer.self).get()
        multiplexer.createStreamChannel(promise: promise) { stream in
            stream.pipeline.addHandler(StreamRecorder(events: events))
        }
        let stream = try await promise.futureResult.get()
        var block = HPACKHeaders()
        for (name, value) in headers { block.add(name: name, value: value) }
        let written = stream.eventLoop.makePromise(of: Void.self)
        stream.writeAndFlush(HTTP2Frame.FramePayload.headers(.init(headers: block)), promise: written)
        if waitForWrite { try await written.futureResult.get() }
        return H2Stream(channel: stream, events: events)
    }

    /// Stops (or resumes) reading from the socket: the kernel's buffers fill, nothing the hub
    /// writes is read — PINGs included — while this side can still write.
    func setReading(_ reading: Bool) async throws {
        try await self.channel.setOption(ChannelOptions.autoRead, value: reading)
    }

    func close() async {
        try? await self.channel.close()
    }
}

/// One stream of an `H2Peer`.
struct H2Stream: Sendable {
    let channel: any Channel
    let events: EventLog<H2Peer.StreamEvent>

    /// Writes raw bytes as one DATA frame.
    func write(_ bytes: [UInt8], endStream: Bool = false) async throws {
        let buffer = self.channel.allocator.buffer(bytes: bytes)
        try await self.channel.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(buffer), endStream: endStream)))
    }

    /// Writes one framed message.
    func send(_ message: Commandhub_V1_AgentMessage, endStream: Bool = false) async throws {
        let bytes: [UInt8] = try message.serializedBytes()
        try await self.write(Self.frame(bytes), endStream: endStream)
    }

    /// gRPC framing of a payload: flag 0, big-endian length, the bytes.
    static func frame(_ payload: [UInt8], declaredLength: Int? = nil) -> [UInt8] {
        let length = UInt32(declaredLength ?? payload.count)
        return [0, UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)] + payload
    }

    /// Sends a Hello for `agentID` and waits for the hub's Welcome.
    func hello(agentID: UUID, name: String = "h2-peer") async throws {
        var hello = Commandhub_V1_AgentMessage()
        hello.hello.agentID = agentID.uuidString.lowercased()
        hello.hello.name = name
        hello.hello.version = "test"
        hello.hello.exchange = "paper"
        hello.hello.status = .active
        try await self.send(hello)
        try await self.events.wait { if case .message(let message) = $0, case .welcome = message.kind { true } else { false } }
    }

    /// The call's final status (`grpc-status`, `grpc-message`), once the hub ended it.
    func status() async throws -> (code: Int, message: String) {
        let event = try await self.events.wait { event in
            switch event {
            case .headers(_, let endStream): endStream
            case .reset, .closed: true
            case .message: false
            }
        }
        guard case .headers(let headers, _) = event else { return (-1, "\(event)") }
        let code = headers.first { $0.0 == "grpc-status" }.flatMap { Int($0.1) } ?? -1
        let message = headers.first { $0.0 == "grpc-message" }?.1.removingPercentEncoding ?? ""
        return (code, message)
    }
}

/// Records what arrives on a stream. Confined to the stream's event loop.
private final class StreamRecorder: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame.FramePayload

    let events: EventLog<H2Peer.StreamEvent>
    private var buffer = ByteBuffer()

    init(events: EventLog<H2Peer.StreamEvent>) {
        self.events = events
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .headers(let headers):
            self.events.append(.headers(headers.headers.map { ($0.name, $0.value) }, endStream: headers.endStream))
        case .data(let data):
            if case .byteBuffer(var bytes) = data.data { self.buffer.writeBuffer(&bytes) }
            while self.buffer.readableBytes >= 5, let length = self.buffer.getInteger(at: self.buffer.readerIndex + 1, as: UInt32.self),
                self.buffer.readableBytes >= 5 + Int(length)
            {
                self.buffer.moveReaderIndex(forwardBy: 5)
                let payload = self.buffer.readBytes(length: Int(length)) ?? []
                if let message = try? Commandhub_V1_HubMessage(serializedBytes: payload) { self.events.append(.message(message)) }
            }
        case .rstStream(let code):
            self.events.append(.reset(code))
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.events.append(.closed)
        context.fireChannelInactive()
    }
}
