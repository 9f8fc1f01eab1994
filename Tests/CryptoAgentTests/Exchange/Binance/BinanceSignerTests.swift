import Foundation
import Testing

@testable import CryptoAgent

@Suite("Binance signing")
struct BinanceSignerTests {
    @Test func reproducesTheDocumentationsOwnHMACExample() {
        let signer = BinanceSigner(secretKey: SecretText("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
        let payload = "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559"
        #expect(signer.signature(query: payload) == "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71")
    }

    @Test func signsTheQueryStringConcatenatedWithTheBody() {
        let signer = BinanceSigner(secretKey: SecretText("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"))
        #expect(
            signer.signature(
                query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                body: "quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
                == signer.signature(
                    query: "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTCquantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559")
        )
    }

    @Test func parametersAreEncodedInTheOrderGivenWithValuesPercentEncoded() {
        #expect(
            BinanceClient.encode([("symbol", "BTCUSDT"), ("quantity", "0.25"), ("newClientOrderId", "6f1c2a4e-8d3b")])
                == "symbol=BTCUSDT&quantity=0.25&newClientOrderId=6f1c2a4e-8d3b")
        #expect(BinanceClient.encode([("symbol", "１２")]) == "symbol=%EF%BC%91%EF%BC%92")
    }

    @Test func secretsPrintAsRedacted() {
        let secret = SecretText("NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j")
        var configuration = BinanceConfiguration()
        configuration.apiKey = SecretText("vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A")
        configuration.secretKey = secret
        for text in [
            "\(secret)", String(describing: secret), String(reflecting: secret), "\(configuration)", String(reflecting: configuration),
        ] {
            #expect(!text.contains("NhqPtmdSJ") && !text.contains("vmPUZE6mv"), "\(text)")
        }
    }
}
