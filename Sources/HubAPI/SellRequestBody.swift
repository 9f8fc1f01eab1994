import Foundation
import HubCore
import Hummingbird
import Wire

/// The body of `POST …/{client_id}/sell/`: `{"asset": "BTC", "quantity": "0.25", "min_price":
/// "40000", "preview": true}`. Amounts must be decimal *strings* (at most 10 places): a JSON
/// number would pass through floating point, which money never does.
package struct SellRequestBody {
    package var asset: String
    package var quantity: String
    package var minPrice: String?
    package var preview: Bool

    package init(
        asset: String,
        quantity: String,
        minPrice: String? = nil,
        preview: Bool
    ) {
        self.asset = asset
        self.quantity = quantity
        self.minPrice = minPrice
        self.preview = preview
    }

    /// Parses and validates the body; every problem is a 400 naming the field.
    package static func parse(_ bytes: ByteBuffer) throws(HubError) -> SellRequestBody {
        guard bytes.readableBytes > 0 else {
            throw .badRequest(parameter: "body", reason: #"expected JSON like {"asset": "BTC", "quantity": "0.25", "preview": true}"#)
        }
        let data = Data(bytes.readableBytesView)
        let decoder = JSONDecoder()
        let fields: Fields
        do {
            let keys = try decoder.decode([String: AnyValue].self, from: data).keys
            if let unknown = keys.sorted().first(where: { !Fields.CodingKeys.allNames.contains($0) }) {
                throw JSONBody.unknownField(unknown, expected: "asset, quantity, min_price, preview")
            }
            fields = try decoder.decode(Fields.self, from: data)
        } catch let error as HubError {
            throw error
        } catch let DecodingError.typeMismatch(_, context) {
            let field = context.codingPath.last?.stringValue ?? "body"
            let expected = field == "preview" ? "true or false" : #"a string (amounts as decimal strings like "0.25", never JSON numbers)"#
            throw .badRequest(parameter: field, reason: "must be \(expected)")
        } catch {
            throw .badRequest(parameter: "body", reason: "must be a JSON object")
        }
        guard let asset = fields.asset else { throw .badRequest(parameter: "asset", reason: "required, a coin symbol string") }
        let symbol = asset.uppercased()
        guard !symbol.isEmpty, symbol.count <= 20, symbol.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .badRequest(parameter: "asset", reason: "\"\(asset.prefix(32))\" is not a coin symbol (letters and digits, 1-20)")
        }
        guard let quantity = fields.quantity else {
            throw .badRequest(parameter: "quantity", reason: #"required, a decimal string like "0.25""#)
        }
        return SellRequestBody(
            asset: symbol, quantity: try Self.amount(quantity, field: "quantity"),
            minPrice: try fields.minPrice.map { text throws(HubError) in try Self.amount(text, field: "min_price") },
            preview: fields.preview ?? false
        )
    }

    /// A positive decimal string with at most 10 places, normalized.
    private static func amount(_ text: String, field: String) throws(HubError) -> String {
        guard let decimal = DecimalText.parse(text, maxScale: DecimalText.scale), decimal > 0 else {
            throw .badRequest(
                parameter: field, reason: "must be a positive decimal with at most \(DecimalText.scale) places, got \"\(text.prefix(32))\"")
        }
        return DecimalText.format(decimal)
    }

    /// The body's fields with strict JSON types: a number is not a string, 1 is not true.
    private struct Fields: Decodable {
        var asset: String?
        var quantity: String?
        var minPrice: String?
        var preview: Bool?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case asset, quantity, minPrice = "min_price", preview
            static var allNames: Set<String> { Set(allCases.map(\.rawValue)) }
        }
    }

    /// Any JSON value, decoded only to list an object's keys.
    private struct AnyValue: Decodable {
        init(from decoder: any Decoder) throws {}
    }

    package var wire: Commandhub_V1_Sell {
        var sell = Commandhub_V1_Sell()
        sell.asset = self.asset
        sell.quantity = self.quantity
        sell.minPrice = self.minPrice ?? ""
        sell.previewOnly = self.preview
        return sell
    }
}
