import Crypto
import Foundation

/// Signs Binance requests: `signature` is the hex HMAC-SHA256 of the query string concatenated
/// (without separator) with the request body, keyed by the secret key.
package struct BinanceSigner: Sendable {
    private let key: SymmetricKey

    package init(secretKey: SecretText) {
        self.key = SymmetricKey(data: Data(secretKey.value.utf8))
    }

    /// The lower-case hex signature of `query` + `body`, exactly as they are sent.
    package func signature(query: String, body: String = "") -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data((query + body).utf8), using: self.key)
        return mac.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
