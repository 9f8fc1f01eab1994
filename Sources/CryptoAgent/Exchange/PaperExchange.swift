import DaemonSupport
import Foundation
import GRDB
import Synchronization
import Wire

/// The embedded simulated exchange: wallets per currency and a ledger of transactions in the
/// agent's SQLite file, prices from the configuration (fixed, or a seeded random walk).
///
/// A sell is one SQLite transaction: the asset is debited, the quote currency credited with the
/// gross less the fee, and the order and its ledger entries (`sell_debit`, `sell_credit`,
/// `commission`, all `completed`) written — all or nothing. Concurrent sells are serialized by
/// the database's writer, so they never overdraw. Orders are unique by client order id: a
/// second execution with the same id returns the first fill and trades nothing.
///
/// Arithmetic is `Decimal` at 10 places: gross = quantity × price rounded half-even; fee =
/// gross × fee rate rounded up (the exchange never under-charges); net = gross − fee.
public final class PaperExchange: ExchangeConnector {
    private struct Prices {
        var current: [String: Decimal]
        var random: SplitMix64
    }

    let configuration: PaperExchangeConfiguration
    let store: AgentStore
    private let prices: Mutex<Prices>

    /// The exchange over `store`; seeds the wallets from the configuration the first time.
    public init(configuration: PaperExchangeConfiguration, store: AgentStore) throws(AgentError) {
        self.configuration = configuration
        self.store = store
        self.prices = Mutex(Prices(current: configuration.prices, random: SplitMix64(seed: configuration.randomSeed)))
        try self.seedWallets()
    }

    /// A paper exchange on a private in-memory ledger (tests, throwaway agents).
    public static func inMemory(configuration: PaperExchangeConfiguration) throws(AgentError) -> PaperExchange {
        let store: AgentStore
        do { store = try AgentStore.inMemory() } catch { throw .store(error.description) }
        return try PaperExchange(configuration: configuration, store: store)
    }

    public var name: String { "paper" }

    /// Waits the configured exchange latency (cancellation ends the wait early).
    private func simulateLatency() async {
        guard self.configuration.latency > .zero else { return }
        try? await Task.sleep(for: self.configuration.latency)
    }
    public var quoteAsset: String { self.configuration.quoteAsset }

    public func balances(symbols: [String]) async throws(AgentError) -> [WalletBalance] {
        await self.simulateLatency()
        let wallets = try await self.read { db in try Self.wallets(db) }
        if symbols.isEmpty { return wallets.values.sorted { $0.asset < $1.asset } }
        return symbols.map { wallets[$0] ?? WalletBalance(asset: $0, free: 0) }
    }

    public func price(of asset: String) async throws(AgentError) -> Decimal {
        let quote = self.configuration.quoteAsset
        return try self.prices.withLock { (prices: inout Prices) throws(AgentError) -> Decimal in
            if asset == quote { return 1 }
            guard let price = prices.current[asset] else { throw .unknownAsset(asset) }
            guard let walk = self.configuration.randomWalk, walk > 0 else { return price }
            // One step of the walk per quote: ±walk at most, reproducible from the seed.
            let step = Decimal(Int64(prices.random.next() % 2_000_001) - 1_000_000) / 1_000_000 * walk
            let moved = DecimalText.round(price * (1 + step), scale: DecimalText.scale)
            prices.current[asset] = moved > 0 ? moved : price
            return prices.current[asset] ?? price
        }
    }

    public func previewSell(_ request: SellRequest) async throws(AgentError) -> SellPreview {
        await self.simulateLatency()
        let price = try await self.price(of: request.asset)
        let available = try await self.read { db in try Self.wallets(db)[request.asset]?.free ?? 0 }
        return self.preview(request, price: price, available: available)
    }

    public func executeSell(_ request: SellRequest, clientOrderID: String) async throws(AgentError) -> SellFill {
        await self.simulateLatency()
        if let existing = try await self.order(clientOrderID: clientOrderID) { return existing }
        let price = try await self.price(of: request.asset)
        let quote = self.configuration.quoteAsset
        guard request.asset != quote else { throw .unsupported("selling the quote asset \(quote)") }
        // Milliseconds, as the wire carries them: a stored fill reads back equal to the returned one.
        let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 * 1000).rounded() / 1000)
        do {
            return try await self.store.pool.write { db -> SellFill in
                // Checked again inside the transaction: a concurrent copy may have just executed.
                if let existing = try Self.order(db, clientOrderID: clientOrderID) { return existing }
                let wallets = try Self.wallets(db)
                let available = wallets[request.asset]?.free ?? 0
                let preview = self.preview(request, price: price, available: available)
                if preview.limitsHit.contains("insufficient_balance") {
                    throw AgentError.insufficientBalance(
                        asset: request.asset, available: DecimalText.format(available), requested: DecimalText.format(request.quantity)
                    )
                }
                if preview.limitsHit.contains("min_price"), let minimum = request.minPrice {
                    throw AgentError.priceBelowMinimum(price: DecimalText.format(price), minimum: DecimalText.format(minimum))
                }
                let fill = SellFill(
                    orderID: "paper-" + UUID().uuidString.lowercased(), clientOrderID: clientOrderID, asset: request.asset,
                    quoteAsset: quote, quantity: request.quantity, price: price, gross: preview.gross, fee: preview.fee,
                    net: preview.net, executedAt: now
                )
                let quoteFree = wallets[quote]?.free ?? 0
                try Self.setFree(db, asset: request.asset, to: available - request.quantity, at: now)
                try Self.setFree(db, asset: quote, to: quoteFree + preview.net, at: now)
                try db.execute(
                    sql: """
                        INSERT INTO paper_order (order_id, client_order_id, asset, quote_asset, quantity, price, gross, fee, net, status, executed_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'filled', ?)
                        """,
                    arguments: [
                        fill.orderID, clientOrderID, fill.asset, quote, DecimalText.format(fill.quantity), DecimalText.format(price),
                        DecimalText.format(fill.gross), DecimalText.format(fill.fee), DecimalText.format(fill.net),
                        now.timeIntervalSince1970,
                    ]
                )
                for (kind, asset, amount, commission) in [
                    ("sell_debit", request.asset, -request.quantity, Decimal(0)),
                    ("sell_credit", quote, preview.gross, Decimal(0)),
                    ("commission", quote, -preview.fee, preview.fee),
                ] {
                    try db.execute(
                        sql: """
                            INSERT INTO paper_transaction (order_id, kind, asset, amount, commission, status, created_at)
                            VALUES (?, ?, ?, ?, ?, 'completed', ?)
                            """,
                        arguments: [
                            fill.orderID, kind, asset, DecimalText.format(amount), DecimalText.format(commission),
                            now.timeIntervalSince1970,
                        ]
                    )
                }
                return fill
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw .exchange("ledger write failed: \(error)")
        }
    }

    public func order(clientOrderID: String) async throws(AgentError) -> SellFill? {
        try await self.read { db in try Self.order(db, clientOrderID: clientOrderID) }
    }

    /// The ledger, newest first: every deposit, debit, credit and commission.
    public func transactions(limit: Int = 100) async throws(AgentError) -> [LedgerEntry] {
        try await self.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM paper_transaction ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                LedgerEntry(
                    id: row["id"], orderID: row["order_id"], kind: row["kind"], asset: row["asset"],
                    amount: DecimalText.parse(row["amount"]) ?? 0, commission: DecimalText.parse(row["commission"]) ?? 0,
                    status: row["status"], createdAt: Date(timeIntervalSince1970: row["created_at"])
                )
            }
        }
    }

    /// The preview of `request` at `price` against `available`; pure arithmetic.
    func preview(_ request: SellRequest, price: Decimal, available: Decimal) -> SellPreview {
        let gross = DecimalText.round(request.quantity * price, scale: DecimalText.scale, mode: .bankers)
        let fee = DecimalText.round(gross * self.configuration.feeRate, scale: DecimalText.scale, mode: .up)
        var limits: [String] = []
        if request.quantity > available { limits.append("insufficient_balance") }
        if let minimum = request.minPrice, price < minimum { limits.append("min_price") }
        return SellPreview(
            asset: request.asset, quoteAsset: self.configuration.quoteAsset, quantity: request.quantity, price: price,
            gross: gross, fee: fee, net: gross - fee, feeRate: self.configuration.feeRate, available: available, limitsHit: limits
        )
    }

    private func seedWallets() throws(AgentError) {
        do {
            try self.store.pool.write { db in
                guard try String.fetchOne(db, sql: "SELECT value FROM paper_meta WHERE key = 'seeded'") == nil else { return }
                let now = Date()
                for (asset, amount) in self.configuration.balances.sorted(by: { $0.key < $1.key }) {
                    try Self.setFree(db, asset: asset, to: amount, at: now)
                    try db.execute(
                        sql:
                            "INSERT INTO paper_transaction (kind, asset, amount, status, created_at) VALUES ('deposit', ?, ?, 'completed', ?)",
                        arguments: [asset, DecimalText.format(amount), now.timeIntervalSince1970]
                    )
                }
                try db.execute(sql: "INSERT INTO paper_meta (key, value) VALUES ('seeded', ?)", arguments: [now.formatted(.iso8601)])
            }
        } catch {
            throw .store("cannot seed the paper wallets: \(error)")
        }
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(AgentError) -> T {
        do {
            return try await self.store.pool.read(body)
        } catch let error as AgentError {
            throw error
        } catch {
            throw .store("\(error)")
        }
    }

    private static func wallets(_ db: Database) throws -> [String: WalletBalance] {
        var wallets: [String: WalletBalance] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT asset, free, locked FROM paper_wallet") {
            let asset: String = row["asset"]
            wallets[asset] = WalletBalance(
                asset: asset, free: DecimalText.parse(row["free"]) ?? 0, locked: DecimalText.parse(row["locked"]) ?? 0)
        }
        return wallets
    }

    private static func setFree(_ db: Database, asset: String, to amount: Decimal, at date: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO paper_wallet (asset, free, updated_at) VALUES (?, ?, ?)
                ON CONFLICT(asset) DO UPDATE SET free = excluded.free, updated_at = excluded.updated_at
                """,
            arguments: [asset, DecimalText.format(amount), date.timeIntervalSince1970]
        )
    }

    private static func order(_ db: Database, clientOrderID: String) throws -> SellFill? {
        try Row.fetchOne(db, sql: "SELECT * FROM paper_order WHERE client_order_id = ?", arguments: [clientOrderID]).map { row in
            SellFill(
                orderID: row["order_id"], clientOrderID: row["client_order_id"], asset: row["asset"], quoteAsset: row["quote_asset"],
                quantity: DecimalText.parse(row["quantity"]) ?? 0, price: DecimalText.parse(row["price"]) ?? 0,
                gross: DecimalText.parse(row["gross"]) ?? 0, fee: DecimalText.parse(row["fee"]) ?? 0,
                net: DecimalText.parse(row["net"]) ?? 0, executedAt: Date(timeIntervalSince1970: row["executed_at"])
            )
        }
    }
}

/// One row of the paper ledger.
public struct LedgerEntry: Sendable, Equatable {
    public var id: Int64
    public var orderID: String?
    /// `deposit`, `sell_debit`, `sell_credit` or `commission`.
    public var kind: String
    public var asset: String
    /// Signed: debits and commissions are negative.
    public var amount: Decimal
    public var commission: Decimal
    public var status: String
    public var createdAt: Date
}

/// SplitMix64: a small, seedable generator for reproducible price walks.
struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
