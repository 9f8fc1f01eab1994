import Foundation
import Testing
import TestSupport
import Wire

@testable import CryptoAgent

@Suite("PaperExchange", .timeLimit(.minutes(1)))
struct PaperExchangeTests {
    static func exchange(feeRate: String = "0.001", balances: [String: String] = ["BTC": "1.5", "ETH": "12.25", "USDT": "25000"]) throws
        -> PaperExchange
    {
        var configuration = PaperExchangeConfiguration()
        configuration.feeRate = Decimal(string: feeRate)!
        configuration.balances = balances.mapValues { Decimal(string: $0)! }
        return try PaperExchange.inMemory(configuration: configuration)
    }

    static func d(_ text: String) -> Decimal { DecimalText.parse(text)! }

    /// Hand-computed with Python's `decimal`: gross rounded half-even, fee rounded up, 10 places.
    @Test(arguments: [
        ("BTC", "0.25", "0.001", "10781.375", "10.781375", "10770.593625"),
        ("BTC", "0.3333333333", "0.001", "14375.1666652292", "14.3751666653", "14360.7914985639"),
        ("ETH", "1.2345678901", "0.00075", "2815.7407153456", "2.1118055366", "2813.628909809"),
        ("BTC", "0.0000000001", "0.001", "0.0000043126", "0.0000000044", "0.0000043082"),
    ])
    func feesAndRoundingAtTenPlaces(asset: String, quantity: String, feeRate: String, gross: String, fee: String, net: String) async throws
    {
        let exchange = try Self.exchange(feeRate: feeRate)
        let preview = try await exchange.previewSell(SellRequest(asset: asset, quantity: Self.d(quantity)))
        #expect(DecimalText.format(preview.gross) == gross)
        #expect(DecimalText.format(preview.fee) == fee)
        #expect(DecimalText.format(preview.net) == net)
        #expect(preview.limitsHit.isEmpty)
    }

    @Test func aSellDebitsTheAssetCreditsTheQuoteLessTheFeeAndWritesTheLedger() async throws {
        let exchange = try Self.exchange()
        let fill = try await exchange.executeSell(SellRequest(asset: "BTC", quantity: Self.d("0.25")), clientOrderID: "order-1")
        #expect(DecimalText.format(fill.net) == "10770.593625")
        let balances = try await exchange.balances(symbols: ["BTC", "USDT"])
        #expect(balances.map { DecimalText.format($0.free) } == ["1.25", "35770.593625"])
        let ledger = try await exchange.transactions()
        #expect(ledger.prefix(3).map(\.kind) == ["commission", "sell_credit", "sell_debit"])
        #expect(ledger.prefix(3).allSatisfy { $0.orderID == fill.orderID && $0.status == "completed" })
        #expect(DecimalText.format(ledger[0].commission) == "10.781375")
        #expect(ledger.filter { $0.kind == "deposit" }.count == 3, "the starting balances are deposits")
    }

    @Test func aSellLargerThanTheBalanceFailsAndChangesNothing() async throws {
        let exchange = try Self.exchange()
        let before = try await exchange.balances(symbols: [])
        let ledgerBefore = try await exchange.transactions().count
        await #expect(throws: AgentError.insufficientBalance(asset: "BTC", available: "1.5", requested: "1.5000000001")) {
            _ = try await exchange.executeSell(SellRequest(asset: "BTC", quantity: Self.d("1.5000000001")), clientOrderID: "too-much")
        }
        #expect(try await exchange.balances(symbols: []) == before)
        #expect(try await exchange.transactions().count == ledgerBefore)
        #expect(try await exchange.order(clientOrderID: "too-much") == nil)
        let preview = try await exchange.previewSell(SellRequest(asset: "BTC", quantity: Self.d("2")))
        #expect(preview.limitsHit == ["insufficient_balance"])
    }

    @Test func theSameClientOrderIdExecutesOnce() async throws {
        let exchange = try Self.exchange()
        let first = try await exchange.executeSell(SellRequest(asset: "ETH", quantity: Self.d("1")), clientOrderID: "same")
        let second = try await exchange.executeSell(SellRequest(asset: "ETH", quantity: Self.d("1")), clientOrderID: "same")
        #expect(first == second)
        #expect(try await exchange.balances(symbols: ["ETH"]).first?.free == Self.d("11.25"))
    }

    @Test func concurrentSellsNeverOverdraw() async throws {
        let exchange = try Self.exchange(balances: ["BTC": "1", "USDT": "0"])
        // 40 concurrent sells of 0.03 BTC: only 33 fit into 1 BTC.
        let results = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<40 {
                group.addTask {
                    (try? await exchange.executeSell(SellRequest(asset: "BTC", quantity: Self.d("0.03")), clientOrderID: "c\(index)"))
                        != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 33)
        let btc = try await exchange.balances(symbols: ["BTC"]).first?.free
        #expect(btc == Self.d("0.01"))
        let usdt = try await exchange.balances(symbols: ["USDT"]).first?.free ?? 0
        // Each fill: gross 1293.765, fee 1.293765 (rounded up: exact), net 1292.471235.
        #expect(usdt == Self.d("1292.471235") * 33)
    }

    @Test func aSeededRandomWalkIsReproducibleAndBounded() async throws {
        var configuration = PaperExchangeConfiguration()
        configuration.randomWalk = Decimal(string: "0.01")!
        configuration.randomSeed = 7
        let first = try PaperExchange.inMemory(configuration: configuration)
        let second = try PaperExchange.inMemory(configuration: configuration)
        var previous = Decimal(string: "43125.5")!
        for _ in 0..<20 {
            let price = try await first.price(of: "BTC")
            #expect(price == (try await second.price(of: "BTC")))
            #expect(abs(price - previous) <= previous * Decimal(string: "0.01")! + Decimal(string: "0.0000000001")!)
            previous = price
        }
        #expect(previous != Decimal(string: "43125.5")!, "it moved")
    }

    @Test func walletsAndLedgerSurviveReopeningTheStateFile() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("agent.sqlite")
            let configuration = PaperExchangeConfiguration()
            do {
                let exchange = try PaperExchange(configuration: configuration, store: try AgentStore.open(path: path))
                _ = try await exchange.executeSell(SellRequest(asset: "BTC", quantity: Self.d("0.5")), clientOrderID: "persisted")
            }
            let reopened = try PaperExchange(configuration: configuration, store: try AgentStore.open(path: path))
            #expect(try await reopened.balances(symbols: ["BTC"]).first?.free == Self.d("1"), "not reseeded")
            #expect(try await reopened.order(clientOrderID: "persisted") != nil)
        }
    }
}
