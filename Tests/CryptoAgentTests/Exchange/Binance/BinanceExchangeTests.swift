import FakeBinance
import Foundation
import Testing
import TestSupport

@testable import CryptoAgent

/// The connector's reads against the fake exchange: start-up, balances, previews.
@Suite("Binance connector", .timeLimit(.minutes(1)))
struct BinanceExchangeTests {
    static func decimal(_ text: String) -> Decimal { Decimal(string: text)! }

    @Test func aWrongKeyOrSecretIsAOneLineErrorAtStartNamingNeither() async throws {
        try await BinanceFixture.with { fixture in
            for (apiKey, secretKey, reason) in [
                ("wrong-key-0123456789", FakeBinance.secretKey, "-2015"), (FakeBinance.apiKey, "wrong-secret-0123456789", "-1022"),
            ] {
                let connector = BinanceFixture.connector(
                    fixture.configuration, fake: fixture.fake, time: fixture.time, journal: InMemoryBinanceOrderJournal(),
                    apiKey: apiKey, secretKey: secretKey
                )
                let error = await #expect(throws: AgentError.self) { try await connector.verify() }
                let line = error?.description ?? ""
                #expect(line.hasPrefix("configuration: binance at \(fixture.fake.baseURL) refused the keys"), "\(line)")
                #expect(line.contains(reason) && !line.contains("\n"), "\(line)")
                #expect(!line.contains(apiKey) && !line.contains(secretKey) && !line.contains(FakeBinance.secretKey))
            }
        }
    }

    @Test func aKeyFileReadableByGroupOrOthersIsRefusedNamingIt() async throws {
        try await TemporaryDirectory.with { directory in
            let keyFile = directory.path("api.key")
            let secretFile = directory.path("secret.key")
            try Data("key-1\n".utf8).write(to: URL(fileURLWithPath: keyFile))
            try Data("secret-1\n".utf8).write(to: URL(fileURLWithPath: secretFile))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secretFile)
            var configuration = BinanceConfiguration()
            configuration.apiKeyFile = keyFile
            configuration.secretKeyFile = secretFile
            let error = #expect(throws: AgentError.self) { try BinanceCredentials.load(configuration) }
            #expect(
                error == .configuration("binance.secret_key_file: \(secretFile) is readable by group or others (mode 644); chmod 600 it"))
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: secretFile)
            let credentials = try BinanceCredentials.load(configuration)
            #expect(credentials.apiKey.value == "key-1")
            #expect(credentials.secretKey.value == "secret-1")
            configuration.apiKeyFile = directory.path("missing.key")
            #expect(throws: AgentError.configuration("binance.api_key_file: cannot read \(directory.path("missing.key")): no such file")) {
                try BinanceCredentials.load(configuration)
            }
        }
    }

    @Test func balancesComeFromTheSignedAccountAndUnknownAssetsAreZero() async throws {
        try await BinanceFixture.with { fixture in
            let all = try await fixture.exchange.balances(symbols: [])
            #expect(all.map(\.asset) == ["BNB", "BTC", "ETH", "USDT"])
            #expect(all.first { $0.asset == "BTC" }?.free == Self.decimal("1.5"))
            let some = try await fixture.exchange.balances(symbols: ["ETH", "DOGE"])
            #expect(some == [WalletBalance(asset: "ETH", free: Self.decimal("12.25")), WalletBalance(asset: "DOGE", free: 0)])
        }
    }

    @Test func aPreviewPricesAtTheBidWithTheAccountsCommissionAndNeverTrades() async throws {
        try await BinanceFixture.with { fixture in
            fixture.fake.setCommission(taker: Self.decimal("0.00075"), seller: Self.decimal("0.00025"))
            let preview = try await fixture.exchange.previewSell(BinanceFixture.sell)
            #expect(preview.price == Self.decimal("43125.5"))
            #expect(preview.quantity == Self.decimal("0.25"))
            #expect(preview.gross == Self.decimal("10781.375"))
            #expect(preview.feeRate == Self.decimal("0.001"), "taker + seller")
            #expect(preview.fee == Self.decimal("10.781375"))
            #expect(preview.net == Self.decimal("10770.593625"))
            #expect(preview.available == Self.decimal("1.5"))
            #expect(preview.limitsHit == [])
            #expect(fixture.fake.totalExecutions == 0)
        }
    }

    @Test func withoutTheCommissionEndpointTheAccountsRatesApply() async throws {
        try await BinanceFixture.with(market: { $0.setCommissionEndpoint(false) }) { fixture in
            fixture.fake.setCommission(taker: Self.decimal("0.002"))
            let preview = try await fixture.exchange.previewSell(BinanceFixture.sell)
            #expect(preview.feeRate == Self.decimal("0.002"))
        }
    }

    @Test func aPreviewRoundsDownToTheLotStepsAndNamesEveryFilterAndLimitHit() async throws {
        try await BinanceFixture.with(market: { fake in
            fake.update("BTCUSDT") { symbol in
                symbol.lotSize = .init(minQty: Self.decimal("0.001"), maxQty: 100, stepSize: Self.decimal("0.001"))
                symbol.marketLotSize = .init(minQty: Self.decimal("0.01"), maxQty: 5, stepSize: Self.decimal("0.01"))
                symbol.minNotional = 1000
                symbol.maxNotional = 100_000
            }
        }) { fixture in
            let rounded = try await fixture.exchange.previewSell(SellRequest(asset: "BTC", quantity: Self.decimal("0.1234")))
            #expect(rounded.quantity == Self.decimal("0.12"))
            #expect(rounded.gross == Self.decimal("5175.06"))
            #expect(rounded.limitsHit == ["lot_size_step", "market_lot_size_step"])
            let tiny = try await fixture.exchange.previewSell(SellRequest(asset: "BTC", quantity: Self.decimal("0.02"), minPrice: 50_000))
            #expect(tiny.limitsHit == ["notional_min", "min_price"])
            let large = try await fixture.exchange.previewSell(SellRequest(asset: "BTC", quantity: 3))
            #expect(large.limitsHit == ["notional_max", "insufficient_balance"])
        }
    }

    @Test func anAssetWithoutATradingSymbolForTheQuoteIsRefused() async throws {
        try await BinanceFixture.with(
            configure: { $0.symbols = ["ETH": "BTCUSDT"] },
            market: { fake in
                fake.update("BTCUSDT") { $0.status = "BREAK" }
            }
        ) { fixture in
            await #expect(throws: AgentError.unknownAsset("DOGE")) {
                try await fixture.exchange.previewSell(SellRequest(asset: "DOGE", quantity: 1))
            }
            await #expect(throws: AgentError.unsupported("selling the quote asset USDT")) { try await fixture.exchange.price(of: "USDT") }
            let halted = await #expect(throws: AgentError.self) { try await fixture.exchange.price(of: "BTC") }
            #expect(halted?.code == "symbol_not_trading")
            let mismatched = await #expect(throws: AgentError.self) { try await fixture.exchange.price(of: "ETH") }
            #expect(mismatched?.code == "unsupported", "an override must trade the asset for the quote asset")
        }
    }
}
