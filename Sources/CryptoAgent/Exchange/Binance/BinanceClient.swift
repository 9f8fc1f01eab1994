import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// HTTP to the Binance REST API: signing, timestamps against the exchange's clock, the weight
/// budget, and the classification of every failure into rejected / rate limited / unknown.
///
/// Contract: `call` sends a request at most once — it never retries on its own, except a signed
/// read refused with `-1021` (nothing was done), which is sent once more after the clock is
/// measured again. Orders are sent with `placeOrder`, which never retries at all. Nothing here
/// logs; no error message carries the keys or a signature.
package final class BinanceClient: Sendable {
    package let clock: BinanceClock
    package let limiter: BinanceRateLimiter
    package let recvWindowMs: Int
    private let baseURL: String
    private let credentials: BinanceCredentials
    private let signer: BinanceSigner
    private let http: HTTPClient
    private let timeout: TimeAmount
    private let time: any BinanceTime

    package init(
        configuration: BinanceConfiguration, credentials: BinanceCredentials, time: any BinanceTime = SystemBinanceTime(),
        http: HTTPClient = .shared
    ) {
        var base = configuration.baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.credentials = credentials
        self.signer = BinanceSigner(secretKey: credentials.secretKey)
        self.http = http
        self.time = time
        self.recvWindowMs = configuration.recvWindowMs
        self.timeout = .nanoseconds(
            configuration.requestTimeout.components.seconds * 1_000_000_000 + configuration.requestTimeout.components.attoseconds
                / 1_000_000_000
        )
        self.clock = BinanceClock(refreshInterval: configuration.clockRefreshInterval, time: time)
        self.limiter = BinanceRateLimiter(time: time)
    }

    /// Measures the offset to the exchange's clock (`GET /api/v3/time`, weight 1).
    package func syncClock() async throws(BinanceFailure) {
        let sentAt = self.time.nowMilliseconds()
        let answer: BinanceModels.ServerTime = try await self.call(.GET, "/api/v3/time", weight: 1)
        self.clock.record(serverTime: answer.serverTime, sentAt: sentAt, receivedAt: self.time.nowMilliseconds())
    }

    /// Measures the clock first if the measurement is missing or stale.
    package func ensureClock() async throws(BinanceFailure) {
        if self.clock.isStale { try await self.syncClock() }
    }

    /// A request and its decoded answer. Signed requests get `recvWindow`, `timestamp` (the
    /// exchange's time now) and `signature`; a `-1021` is answered by measuring the clock and
    /// sending once more — only for reads, which cannot execute anything.
    package func call<T: Decodable>(
        _ method: HTTPMethod, _ path: String, _ parameters: [(String, String)] = [], signed: Bool = false, weight: Int
    ) async throws(BinanceFailure) -> T {
        guard signed else { return try await self.send(method, path, parameters, timestamp: nil, weight: weight) }
        try await self.ensureClock()
        do {
            return try await self.send(method, path, parameters, timestamp: self.clock.exchangeNow, weight: weight)
        } catch .rejected(-1021, _, _) where method == .GET {
            try await self.syncClock()
            return try await self.send(method, path, parameters, timestamp: self.clock.exchangeNow, weight: weight)
        }
    }

    /// Sends `POST /api/v3/order` once, signed with `timestamp` (which the caller recorded
    /// before). Every failure after the request may have left is `.unknown`.
    package func placeOrder(_ parameters: [(String, String)], timestamp: Int64) async throws(BinanceFailure) -> BinanceModels.Order {
        try await self.send(.POST, "/api/v3/order", parameters, timestamp: timestamp, weight: 1)
    }

    private func send<T: Decodable>(
        _ method: HTTPMethod, _ path: String, _ parameters: [(String, String)], timestamp: Int64?, weight: Int
    ) async throws(BinanceFailure) -> T {
        if let wait = self.limiter.admit(weight: weight, exchangeNow: self.clock.exchangeNow) {
            throw .rateLimited(retryAfterSeconds: wait)
        }
        var parameters = parameters
        if let timestamp {
            parameters += [("recvWindow", String(self.recvWindowMs)), ("timestamp", String(timestamp))]
        }
        var query = Self.encode(parameters)
        var body = ""
        if method == .POST {
            body = query
            query = ""
        }
        if timestamp != nil {
            let signature = self.signer.signature(query: query, body: body)
            if method == .POST { body += "&signature=" + signature } else { query += (query.isEmpty ? "" : "&") + "signature=" + signature }
        }
        var request = HTTPClientRequest(url: self.baseURL + path + (query.isEmpty ? "" : "?" + query))
        request.method = method
        request.headers.add(name: "X-MBX-APIKEY", value: self.credentials.apiKey.value)
        if method == .POST {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let status: Int
        let headers: HTTPHeaders
        let bytes: ByteBuffer
        do {
            let response = try await self.http.execute(request, timeout: self.timeout)
            status = Int(response.status.code)
            headers = response.headers
            bytes = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw .unknown("\(method) \(path): no complete answer (\(Self.describe(error)))")
        }
        if let used = headers.first(name: "X-MBX-USED-WEIGHT-1M").flatMap({ Int($0) }) {
            self.limiter.observe(usedWeight: used, exchangeNow: self.clock.exchangeNow)
        }
        let data = Data(bytes.readableBytesView)
        switch status {
        case 200..<300:
            do { return try JSONDecoder().decode(T.self, from: data) } catch {
                throw .unknown("\(method) \(path): HTTP \(status) with an unreadable answer")
            }
        case 418, 429:
            let seconds = headers.first(name: "Retry-After").flatMap { Int($0.trimmingCharacters(in: .whitespaces)) } ?? 60
            self.limiter.ban(seconds: seconds)
            throw .rateLimited(retryAfterSeconds: seconds)
        default:
            let error = try? JSONDecoder().decode(BinanceModels.ErrorBody.self, from: data)
            if let error, BinanceFailure.unknownCodes.contains(error.code) {
                throw .unknown("\(method) \(path): \(error.code) \(error.msg)")
            }
            if status >= 500 { throw .unknown("\(method) \(path): HTTP \(status)") }
            throw .rejected(
                code: error?.code ?? 0, message: error?.msg ?? String(decoding: data.prefix(200), as: UTF8.self), status: status
            )
        }
    }

    /// `k=v&k2=v2`, values percent-encoded as Binance signs them.
    static func encode(_ parameters: [(String, String)]) -> String {
        parameters.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: Self.unreserved) ?? $0.1)" }.joined(separator: "&")
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .remoteConnectionClosed: return "the connection was closed"
            case .cancelled: return "cancelled"
            default: return "\(error)"
            }
        }
        return "\(error)"
    }
}
