import NIOCore
import Testing

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("SellRequestBody")
struct SellRequestBodyTests {
    func parse(_ json: String) throws(HubError) -> SellRequestBody {
        try SellRequestBody.parse(ByteBuffer(string: json))
    }

    @Test func amountsComeOutCanonicalAndTheAssetUpperCased() throws {
        let body = try self.parse(#"{"asset": "btc", "quantity": "000.2500", "min_price": "40000.0000000000", "preview": true}"#)
        #expect(body.asset == "BTC")
        #expect(body.quantity == "0.25")
        #expect(body.minPrice == "40000")
        #expect(body.preview)
    }

    @Test(arguments: ["0", "-1", "0.00000000001", "1e5", "0.25 ", ""])
    func aQuantityThatIsNotAPositiveDecimalWithAtMostTenPlacesIsA400(quantity: String) {
        #expect(throws: HubError.self) { try self.parse(#"{"asset": "BTC", "quantity": "\#(quantity)"}"#) }
    }

    @Test func anUnknownFieldIsNamedInAtMost64Characters() throws {
        let long = String(repeating: "k", count: 5_000)
        let error = try #require(throws: HubError.self) { try self.parse(#"{"asset": "BTC", "quantity": "1", "\#(long)": 1}"#) }
        guard case .badRequest(let parameter, _) = error else { Issue.record("\(error)"); return }
        #expect(parameter == String(long.prefix(64)))
    }

    @Test func anUnknownFieldWithAnEmptyNameIsNamedAsTheBody() throws {
        let error = try #require(throws: HubError.self) { try self.parse(#"{"asset": "BTC", "quantity": "1", "": 1}"#) }
        guard case .badRequest("body", let reason) = error else { Issue.record("\(error)"); return }
        #expect(reason.hasPrefix(#"unknown field """#))
    }
}
