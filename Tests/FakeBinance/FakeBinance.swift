import Foundation
import Hummingbird
import Logging
import NIOCore
import Synchronization
import TestSupport

/// A strict fake of the Binance Spot REST API on 127.0.0.1 (Hummingbird, port 0), for the
/// connector's tests and the end-to-end tests.
///
/// Strict where the real one is: the `X-MBX-APIKEY` header; the HMAC-SHA256 signature over the
/// raw query string and body exactly as received; `timestamp` against its own clock (which a
/// test can skew) and `recvWindow`; the symbol filters; balances. Like the real exchange it
/// accepts a repeated `newClientOrderId` once the earlier order is filled — a market sell sent
/// twice executes twice — and it counts the order requests per client order id, so a test can
/// assert that each command was sent exactly once. Faults are switched on per test.
public final class FakeBinance: Sendable {
    struct State: Sendable {
        var ledger = FakeBinanceLedger()
        var skewMs: Int64 = 0
        var orderFaults: [FakeOrderFault] = []
        /// Requests answered 429 with this `Retry-After` before anything else happens.
        var rateLimited: (count: Int, retryAfter: Int)?
        /// Lookups of an existing order answered `-2013` first (the exchange's visibility lag).
        var invisibleLookups = 0
        var commissionEndpoint = true
        var usedWeight: (minute: Int64, weight: Int) = (0, 0)
        var requests: [String] = []
    }

    public static let apiKey = "fake-api-key-0123456789abcdef0123456789abcdef0123456789abcdef"
    public static let secretKey = "fake-secret-key-0123456789abcdef0123456789abcdef0123456789abcdef"

    let state = Mutex(State())
    let clock: @Sendable () -> Int64
    let held = Gate()
    /// Every order the fake executed: its client order id.
    public let executed = EventLog<String>()
    private let boundPort = Mutex(0)

    /// The fake with `clock` as its time (milliseconds since 1970) before any skew.
    init(clock: @escaping @Sendable () -> Int64) {
        self.clock = clock
    }

    /// Runs `body` with a fake listening on a free port; it stops when `body` returns.
    public static func with<T: Sendable>(
        clock: @escaping @Sendable () -> Int64 = { Int64((Date().timeIntervalSince1970 * 1000).rounded()) },
        _ body: (FakeBinance) async throws -> T
    ) async throws -> T {
        let fake = FakeBinance(clock: clock)
        let ports = EventLog<Int>()
        var logger = Logger(label: "fake-binance")
        logger.logLevel = .critical
        let application = Application(
            responder: CallbackResponder<FakeBinanceContext> { request, context in try await fake.respond(to: request, context: context) },
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in ports.append(channel.localAddress?.port ?? 0) },
            logger: logger
        )
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await application.run()
                return nil
            }
            defer {
                fake.held.open()
                group.cancelAll()
            }
            let port = try await ports.wait { _ in true }
            fake.boundPort.withLock { $0 = port }
            return try await body(fake)
        }
    }

    public var port: Int { self.boundPort.withLock { $0 } }

    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(self.port)" }

    /// The exchange's clock now (the test's clock plus the skew).
    public var serverTime: Int64 { self.clock() + self.state.withLock { $0.skewMs } }

    // MARK: Setting the market up

    public func list(_ symbol: FakeSymbol) { self.state.withLock { $0.ledger.symbols[symbol.symbol] = symbol } }
    public func update(_ symbol: String, _ change: @Sendable (inout FakeSymbol) -> Void) {
        self.state.withLock { state in
            if var listed = state.ledger.symbols[symbol] {
                change(&listed)
                state.ledger.symbols[symbol] = listed
            }
        }
    }
    public func deposit(_ asset: String, _ amount: Decimal) { self.state.withLock { $0.ledger.credit(asset, amount) } }
    public func setCommission(taker: Decimal, seller: Decimal = 0) {
        self.state.withLock { state in
            state.ledger.taker = taker
            state.ledger.seller = seller
        }
    }
    /// Commissions paid in BNB at `price` (quote per BNB), with Binance's discount.
    public func payCommissionInBNB(price: Decimal, discount: Decimal = Decimal(string: "0.75")!) {
        self.state.withLock { state in
            state.ledger.bnbPrice = price
            state.ledger.bnbDiscount = discount
        }
    }
    /// Whether `GET /api/v3/account/commission` exists (venues that clone the API may lack it).
    public func setCommissionEndpoint(_ available: Bool) { self.state.withLock { $0.commissionEndpoint = available } }
    public func setSkew(milliseconds: Int64) { self.state.withLock { $0.skewMs = milliseconds } }

    // MARK: Faults

    /// The next order request gets `fault` (faults queue up, one per order request).
    public func inject(_ fault: FakeOrderFault) { self.state.withLock { $0.orderFaults.append(fault) } }
    /// The next `count` requests, whatever they are, are answered 429 with `Retry-After`.
    public func rateLimit(next count: Int = 1, retryAfter seconds: Int) {
        self.state.withLock { $0.rateLimited = (count, seconds) }
    }
    /// The next `count` lookups of an existing order answer "no such order".
    public func hideOrders(fromNextLookups count: Int) { self.state.withLock { $0.invisibleLookups = count } }

    // MARK: What happened

    public func balance(_ asset: String) -> Decimal { self.state.withLock { $0.ledger.balances[asset]?.free ?? 0 } }
    /// Order requests received with `clientOrderID`, executed or not.
    public func orderPosts(_ clientOrderID: String) -> Int { self.state.withLock { $0.ledger.orderPosts[clientOrderID] ?? 0 } }
    /// Orders executed with `clientOrderID`.
    public func executions(_ clientOrderID: String) -> Int { self.state.withLock { $0.ledger.executions[clientOrderID] ?? 0 } }
    public var totalExecutions: Int { self.state.withLock { $0.ledger.orders.count } }
    /// Every request as `METHOD /path`, in order.
    public var requests: [String] { self.state.withLock { $0.requests } }
}

/// The request context: Hummingbird's, plus the channel, so a fault can drop the connection.
struct FakeBinanceContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}

/// Holds answers back until opened (when the fake stops), or until the waiting task is cancelled.
final class Gate: Sendable {
    private let state = Mutex<(open: Bool, waiters: [Int: CheckedContinuation<Void, Never>], next: Int)>((false, [:], 0))

    func wait() async {
        let id = self.state.withLock { state -> Int in
            defer { state.next += 1 }
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let ready = self.state.withLock { state -> Bool in
                    if state.open || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    func open() {
        let waiters = self.state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}
