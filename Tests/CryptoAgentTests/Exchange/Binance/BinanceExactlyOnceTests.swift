import FakeBinance
import Foundation
import Testing

@testable import CryptoAgent

/// Each fault, each asserting exactly one order per command and the right final state.
@Suite("Binance sells exactly once", .timeLimit(.minutes(1)))
struct BinanceExactlyOnceTests {
    static func decimal(_ text: String) -> Decimal { Decimal(string: text)! }

    /// The ledger after the standard sell of 0.25 BTC at 43125.5 with 0.1 % in USDT.
    static func expectSoldOnce(_ fixture: BinanceFixture, _ id: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(fixture.fake.executions(id) == 1, sourceLocation: sourceLocation)
        #expect(fixture.fake.orderPosts(id) == 1, "sent once", sourceLocation: sourceLocation)
        #expect(fixture.fake.balance("BTC") == Self.decimal("1.25"), sourceLocation: sourceLocation)
        #expect(fixture.fake.balance("USDT") == Self.decimal("35770.593625"), sourceLocation: sourceLocation)
    }

    @Test func aSellIsSentOnceAndTheSameIDAgainAnswersFromTheJournal() async throws {
        try await BinanceFixture.with { fixture in
            let id = BinanceFixture.newID()
            let fill = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            #expect(fill.clientOrderID == id)
            #expect(fill.quantity == Self.decimal("0.25"))
            #expect(fill.price == Self.decimal("43125.5"))
            #expect(fill.gross == Self.decimal("10781.375"))
            #expect(fill.fee == Self.decimal("10.781375"))
            #expect(fill.net == Self.decimal("10770.593625"))
            #expect(fill.feeAsset == nil && fill.requestedQuantity == nil && fill.exchangeStatus == nil)
            #expect(try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id) == fill)
            #expect(try await fixture.exchange.order(clientOrderID: id) == fill)
            Self.expectSoldOnce(fixture, id)
        }
    }

    @Test func theFakeLikeBinanceExecutesARepeatedClientOrderIDAgainOnceTheFirstIsFilled() async throws {
        try await BinanceFixture.with { fixture in
            let id = BinanceFixture.newID()
            let parameters = [("symbol", "BTCUSDT"), ("side", "SELL"), ("type", "MARKET"), ("quantity", "0.1"), ("newClientOrderId", id)]
            for _ in 0..<2 {
                _ = try await fixture.exchange.client.placeOrder(parameters, timestamp: fixture.exchange.client.clock.exchangeNow)
            }
            #expect(fixture.fake.executions(id) == 2, "which is why the connector must never send twice")
        }
    }

    @Test(arguments: [
        FakeOrderFault.dropConnectionAfterExecuting, .failAfterExecuting(status: 503, code: nil),
        .failAfterExecuting(status: 408, code: -1007), .failAfterExecuting(status: 500, code: -1006),
    ])
    func anUnknownOutcomeIsLookedUpAndNeverSentAgain(_ fault: FakeOrderFault) async throws {
        try await BinanceFixture.with { fixture in
            fixture.fake.inject(fault)
            let id = BinanceFixture.newID()
            let fill = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            #expect(fill.net == Self.decimal("10770.593625"), "the commission comes from the order's trades")
            #expect(fill.fee == Self.decimal("10.781375"))
            Self.expectSoldOnce(fixture, id)
            #expect(try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id) == fill)
            #expect(fixture.fake.orderPosts(id) == 1)
        }
    }

    @Test func anAnswerArrivingAfterTheClientsTimeoutIsLookedUpAndNeverSentAgain() async throws {
        // The fake holds the order's answer until it stops; the client gives up after 8 s. The
        // same bound applies to the client's other requests (the clock sync at start, the
        // lookups), which a loaded machine has answered in over 2 s.
        try await BinanceFixture.with(configure: { $0.requestTimeout = .seconds(8) }) { fixture in
            fixture.fake.inject(.holdAfterExecuting)
            let id = BinanceFixture.newID()
            let fill = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            #expect(fill.quantity == Self.decimal("0.25"))
            Self.expectSoldOnce(fixture, id)
        }
    }

    @Test func lookupsThatDoNotSeeTheOrderYetDoNotConcludeWithinItsWindow() async throws {
        try await BinanceFixture.with { fixture in
            fixture.fake.inject(.failAfterExecuting(status: 503, code: nil))
            fixture.fake.hideOrders(fromNextLookups: 3)
            let id = BinanceFixture.newID()
            _ = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            Self.expectSoldOnce(fixture, id)
            #expect(fixture.lookups >= 5, "one before sending, three unseen, then found")
        }
    }

    @Test func anOrderNeverPlacedIsConcludedOnlyPastItsWindowAndNeverSentAgain() async throws {
        try await BinanceFixture.with { fixture in
            fixture.fake.inject(.dropConnectionBeforeExecuting)
            let id = BinanceFixture.newID()
            let error = await #expect(throws: AgentError.self) {
                try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            }
            #expect(error?.code == "not_executed")
            #expect(fixture.fake.executions(id) == 0)
            #expect(fixture.fake.orderPosts(id) == 1)
            #expect(fixture.time.sleptMilliseconds > 6000, "past the 5 s recvWindow and the clock slack")
            #expect(fixture.lookups >= 1 + BinanceExchange.notFoundLookups)
            let found = try await fixture.exchange.order(clientOrderID: id)
            #expect(found == nil)
            await #expect(throws: AgentError.self) { try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id) }
            #expect(fixture.fake.orderPosts(id) == 1, "a spent id is never sent again")
            #expect(fixture.fake.balance("BTC") == Self.decimal("1.5"))
        }
    }

    @Test func anOutcomeStillUnknownIsOutcomeUnknownAndALaterLookupSettlesIt() async throws {
        let store = try AgentStore.inMemory()
        try await BinanceFixture.with(configure: { $0.outcomeLookupBudget = .seconds(2) }, journal: SQLiteBinanceOrderJournal(store: store))
        { fixture in
            fixture.fake.inject(.failAfterExecuting(status: 503, code: nil))
            fixture.fake.hideOrders(fromNextLookups: 100)
            let id = BinanceFixture.newID()
            let error = await #expect(throws: AgentError.self) {
                try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            }
            #expect(error?.code == "outcome_unknown")
            #expect(try await fixture.journal.attempt(id)?.state == .sent)

            fixture.fake.hideOrders(fromNextLookups: 0)
            let restarted = fixture.restarted()
            let found = try await restarted.order(clientOrderID: id)
            #expect(found?.net == Self.decimal("10770.593625"))
            #expect(try await restarted.executeSell(BinanceFixture.sell, clientOrderID: id) == found)
            Self.expectSoldOnce(fixture, id)
        }
    }

    @Test func aDefiniteRefusalExecutesNothingAndTheIDIsNeverSentAgain() async throws {
        try await BinanceFixture.with { fixture in
            for (code, message, expected) in [
                (-2010, "Account has insufficient balance for requested action.", "insufficient_balance"),
                (-1013, "Filter failure: LOT_SIZE", "filter_failure"),
                (-2015, "Invalid API-key, IP, or permissions for action.", "api_key_rejected"),
                (-1022, "Signature for this request is not valid.", "invalid_signature"),
            ] {
                fixture.fake.inject(.reject(code: code, message: message))
                let id = BinanceFixture.newID()
                let error = await #expect(throws: AgentError.self) {
                    try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
                }
                #expect(error?.code == expected)
                let again = await #expect(throws: AgentError.self) {
                    try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
                }
                #expect(again?.code == expected)
                #expect(fixture.fake.orderPosts(id) == 1)
                #expect(fixture.fake.executions(id) == 0)
                let found = try await fixture.exchange.order(clientOrderID: id)
                #expect(found == nil)
            }
            #expect(fixture.fake.balance("BTC") == Self.decimal("1.5"))
        }
    }

    @Test func refusalsTheConnectorCanSeeAreNeverSent() async throws {
        try await BinanceFixture.with { fixture in
            let offStep = await #expect(throws: AgentError.self) {
                try await fixture.exchange.executeSell(
                    SellRequest(asset: "BTC", quantity: Self.decimal("0.123456")), clientOrderID: BinanceFixture.newID())
            }
            #expect(offStep?.code == "filter_failure")
            #expect(offStep?.description.contains("0.12345") == true, "the most that can be sold")
            let tooMuch = await #expect(throws: AgentError.self) {
                try await fixture.exchange.executeSell(SellRequest(asset: "BTC", quantity: 5), clientOrderID: BinanceFixture.newID())
            }
            #expect(tooMuch == .insufficientBalance(asset: "BTC", available: "1.5", requested: "5"))
            #expect(!fixture.fake.requests.contains("POST /api/v3/order"))
        }
    }

    @Test func aPartialFillIsReportedAsExactlyThat() async throws {
        try await BinanceFixture.with(market: { $0.update("BTCUSDT") { $0.bidQuantity = Decimal(string: "0.1")! } }) { fixture in
            let id = BinanceFixture.newID()
            let fill = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            #expect(fill.quantity == Self.decimal("0.1"))
            #expect(fill.requestedQuantity == Self.decimal("0.25"))
            #expect(fill.exchangeStatus == "EXPIRED")
            #expect(fill.gross == Self.decimal("4312.55"))
            #expect(fill.fee == Self.decimal("4.31255"))
            #expect(CommandHandler.describe(fill).contains("0.1 of 0.25 BTC (partial fill, EXPIRED"))
            #expect(fixture.fake.balance("BTC") == Self.decimal("1.4"))
            #expect(fixture.fake.executions(id) == 1)
        }
    }

    @Test func aCommissionPaidInBNBIsReportedInBNBAndLeavesTheQuoteWhole() async throws {
        try await BinanceFixture.with(market: { $0.payCommissionInBNB(price: 300) }) { fixture in
            let id = BinanceFixture.newID()
            let fill = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            #expect(fill.feeAsset == "BNB")
            #expect(fill.fee == Self.decimal("0.02695344"), "10.781375 USDT × 0.75 / 300, to 8 places")
            #expect(fill.net == fill.gross)
            #expect(CommandHandler.describe(fill).hasSuffix("(fee 0.02695344 BNB)"))
            #expect(fixture.fake.balance("USDT") == Self.decimal("35781.375"))
            #expect(fixture.fake.balance("BNB") == Self.decimal("1.97304656"))
            #expect(fixture.fake.executions(id) == 1)
        }
    }

    @Test(arguments: [Int64(2000), -2000])
    func anExchangeClockTwoSecondsOffIsMeasuredAndSellsOnce(_ skew: Int64) async throws {
        try await BinanceFixture.with(market: { $0.setSkew(milliseconds: skew) }) { fixture in
            #expect(fixture.exchange.client.clock.offsetMs == skew)
            let id = BinanceFixture.newID()
            _ = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            Self.expectSoldOnce(fixture, id)
        }
    }

    @Test func aClockThatMovedAfterItWasMeasuredIsMeasuredAgainAndSellsOnce() async throws {
        try await BinanceFixture.with { fixture in
            fixture.fake.setSkew(milliseconds: -2000)
            let id = BinanceFixture.newID()
            _ = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            Self.expectSoldOnce(fixture, id)
            #expect(fixture.exchange.client.clock.offsetMs == -2000)
        }
    }

    @Test func anOrderRefusedForItsTimestampIsSentOnceMoreAfterTheClockIsMeasured() async throws {
        try await BinanceFixture.with { fixture in
            fixture.fake.inject(.reject(code: -1021, message: "Timestamp for this request is outside of the recvWindow."))
            let id = BinanceFixture.newID()
            _ = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: id)
            #expect(fixture.fake.executions(id) == 1)
            #expect(fixture.fake.orderPosts(id) == 2, "the first was refused before the matching engine: nothing executed")
            #expect(fixture.fake.balance("BTC") == Self.decimal("1.25"))
        }
    }

    @Test func a429StopsAllCallsForRetryAfterAndFailsRateLimited() async throws {
        try await BinanceFixture.with { fixture in
            fixture.fake.rateLimit(next: 1, retryAfter: 30)
            let first = BinanceFixture.newID()
            await #expect(throws: AgentError.rateLimited(retryAfterSeconds: 30)) {
                try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: first)
            }
            let seen = fixture.fake.requests.count
            fixture.time.advance(milliseconds: 10_000)
            let second = BinanceFixture.newID()
            await #expect(throws: AgentError.rateLimited(retryAfterSeconds: 20)) {
                try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: second)
            }
            #expect(fixture.fake.requests.count == seen, "nothing is sent while Retry-After runs")
            fixture.time.advance(milliseconds: 20_000)
            _ = try await fixture.exchange.executeSell(BinanceFixture.sell, clientOrderID: second)
            #expect(fixture.fake.orderPosts(first) == 0)
            Self.expectSoldOnce(fixture, second)
        }
    }
}
