import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A REST load generator: `connections` keep-alive HTTP/1.1 connections, each sending the next
/// request as soon as the previous answer ends, until `requests` answers are in. Each request's
/// latency is timed on the connection's event loop from its write to the end of its answer —
/// the REST → agent → ack round trip as a caller sees it, with no client-side task hops in it.
public enum RESTLoad {
    public struct Result: Sendable {
        /// Latency of every answered request, in nanoseconds.
        public var latencies: [UInt64]
        public var statuses: [Int: Int]
        public var failures: Int
        public var elapsed: Duration

        public var throughput: Double { Double(self.latencies.count) / max(self.elapsed.seconds, 1e-9) }

        /// The `quantile` (0...1) latency in milliseconds.
        public func percentile(_ quantile: Double) -> Double {
            guard !self.latencies.isEmpty else { return .nan }
            let sorted = self.latencies.sorted()
            let index = min(sorted.count - 1, Int((Double(sorted.count) * quantile).rounded(.up)) - 1)
            return Double(sorted[max(0, index)]) / 1_000_000
        }
    }

    /// Sends `requests` POSTs to `paths` (taken in turn) over `connections` connections, with
    /// `Authorization: Bearer <token>` when a token is given; stops early at `until`, but not
    /// before `atLeast` requests were sent (so a slow machine still gets the load it was asked
    /// for, only later).
    public static func run(
        host: String = "127.0.0.1", port: Int, paths: [String], connections: Int, requests: Int, token: String? = nil,
        until deadline: ContinuousClock.Instant? = nil, atLeast minimum: Int = 0, group: any EventLoopGroup
    ) async throws -> Result {
        precondition(!paths.isEmpty && connections > 0)
        let plan = Plan(
            paths: paths, requests: requests, authorization: token.map { "Bearer \($0)" }, deadline: deadline, minimum: minimum
        )
        let started = ContinuousClock.now
        let outcomes = try await withThrowingTaskGroup(of: LoadConnection.Outcome.self) { tasks in
            for _ in 0..<connections {
                tasks.addTask {
                    let promise = group.next().makePromise(of: LoadConnection.Outcome.self)
                    let handler = LoadConnection(plan: plan, host: host, done: promise)
                    let channel = try await ClientBootstrap(group: group)
                        .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHTTPClientHandlers()
                                try channel.pipeline.syncOperations.addHandler(handler)
                            }
                        }
                        .connect(host: host, port: port).get()
                    let outcome = try await promise.futureResult.get()
                    try? await channel.close()
                    return outcome
                }
            }
            return try await tasks.reduce(into: [LoadConnection.Outcome]()) { $0.append($1) }
        }
        let elapsed = ContinuousClock.now - started
        var result = Result(latencies: [], statuses: [:], failures: 0, elapsed: elapsed)
        for outcome in outcomes {
            result.latencies += outcome.latencies
            result.failures += outcome.failures
            for (status, count) in outcome.statuses { result.statuses[status, default: 0] += count }
        }
        return result
    }

    /// The shared work: which path comes next and how many requests are left.
    final class Plan: Sendable {
        let paths: [String]
        private let next = Atomic<Int>(0)
        let requests: Int
        let authorization: String?
        let deadline: ContinuousClock.Instant?
        let minimum: Int

        init(paths: [String], requests: Int, authorization: String?, deadline: ContinuousClock.Instant? = nil, minimum: Int = 0) {
            self.paths = paths
            self.requests = requests
            self.authorization = authorization
            self.deadline = deadline
            self.minimum = minimum
        }

        /// The next request's path, or nil when all requests were handed out, or time is up and
        /// the minimum was handed out.
        func take() -> String? {
            let index = self.next.add(1, ordering: .relaxed).oldValue
            if let deadline = self.deadline, index >= self.minimum, ContinuousClock.now >= deadline { return nil }
            return index < self.requests ? self.paths[index % self.paths.count] : nil
        }
    }
}

/// One keep-alive connection of the load: request, wait for the whole answer, next request.
/// Confined to its channel's event loop.
final class LoadConnection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    struct Outcome: Sendable {
        var latencies: [UInt64] = []
        var statuses: [Int: Int] = [:]
        var failures = 0
    }

    private let plan: RESTLoad.Plan
    private let host: String
    private let done: EventLoopPromise<Outcome>
    private var outcome = Outcome()
    private var sentAt: UInt64 = 0
    private var status = 0
    private var finished = false

    init(plan: RESTLoad.Plan, host: String, done: EventLoopPromise<Outcome>) {
        self.plan = plan
        self.host = host
        self.done = done
        self.outcome.latencies.reserveCapacity(min(plan.requests / 8, 1 << 16))
    }

    func channelActive(context: ChannelHandlerContext) {
        self.sendNext(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            self.status = Int(head.status.code)
        case .body:
            break
        case .end:
            self.outcome.latencies.append(DispatchTime.now().uptimeNanoseconds - self.sentAt)
            self.outcome.statuses[self.status, default: 0] += 1
            self.sendNext(context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish()
    }

    private func finish() {
        guard !self.finished else { return }
        self.finished = true
        self.done.succeed(self.outcome)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.outcome.failures += 1
        context.close(promise: nil)
    }

    private func sendNext(context: ChannelHandlerContext) {
        guard let path = self.plan.take() else {
            self.finish()
            return
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        head.headers.add(name: "host", value: self.host)
        head.headers.add(name: "content-length", value: "0")
        if let authorization = self.plan.authorization { head.headers.add(name: "authorization", value: authorization) }
        self.sentAt = DispatchTime.now().uptimeNanoseconds
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(self.wrapOutboundOut(.end(nil)), promise: nil)
    }
}

extension Duration {
    var seconds: Double { Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18 }
}
