import FakeBinance
import Foundation
import Logging

@testable import CryptoAgent

/// A connector wired to a fresh fake exchange on port 0, both on one `SteppingTime`.
///
/// The market: BTCUSDT at a bid of 43125.5, ETHUSDT at 2280.75, lots of 0.00001, a 5 USDT
/// minimum notional; the account holds 1.5 BTC, 12.25 ETH, 25000 USDT and 2 BNB; a market sell
/// pays 0.1 % (taker) in USDT.
struct BinanceFixture {
    let fake: FakeBinance
    let time: SteppingTime
    let exchange: BinanceExchange
    let configuration: BinanceConfiguration
    let journal: any BinanceOrderJournal

    static let quiet: Logger = {
        var logger = Logger(label: "binance-test")
        logger.logLevel = .critical
        return logger
    }()

    static func with<T: Sendable>(
        configure: (inout BinanceConfiguration) -> Void = { _ in },
        market: (FakeBinance) -> Void = { _ in },
        journal: any BinanceOrderJournal = InMemoryBinanceOrderJournal(),
        _ body: (BinanceFixture) async throws -> T
    ) async throws -> T {
        let time = SteppingTime()
        return try await FakeBinance.with(clock: { time.nowMilliseconds() }) { fake in
            fake.list(FakeSymbol(base: "BTC", bid: Decimal(string: "43125.5")!))
            fake.list(FakeSymbol(base: "ETH", bid: Decimal(string: "2280.75")!))
            for (asset, amount) in [("BTC", "1.5"), ("ETH", "12.25"), ("USDT", "25000"), ("BNB", "2")] {
                fake.deposit(asset, Decimal(string: amount)!)
            }
            market(fake)
            var configuration = BinanceConfiguration()
            configuration.baseURL = fake.baseURL
            configure(&configuration)
            let exchange = Self.connector(configuration, fake: fake, time: time, journal: journal)
            try await exchange.verify()
            return try await body(
                BinanceFixture(fake: fake, time: time, exchange: exchange, configuration: configuration, journal: journal))
        }
    }

    /// Another connector on the same fake and journal: the agent after a restart.
    func restarted() -> BinanceExchange {
        Self.connector(self.configuration, fake: self.fake, time: self.time, journal: self.journal)
    }

    static func connector(
        _ configuration: BinanceConfiguration, fake: FakeBinance, time: SteppingTime, journal: any BinanceOrderJournal,
        apiKey: String = FakeBinance.apiKey, secretKey: String = FakeBinance.secretKey
    ) -> BinanceExchange {
        BinanceExchange(
            configuration: configuration, credentials: BinanceCredentials(apiKey: SecretText(apiKey), secretKey: SecretText(secretKey)),
            journal: journal, time: time, logger: Self.quiet
        )
    }

    /// The standard sell: 0.25 BTC (10781.375 USDT gross, 10.781375 fee).
    static let sell = SellRequest(asset: "BTC", quantity: Decimal(string: "0.25")!)

    static func newID() -> String { UUID().uuidString.lowercased() }

    /// `GET /api/v3/order` requests the fake has seen.
    var lookups: Int { self.fake.requests.filter { $0 == "GET /api/v3/order" }.count }
}
