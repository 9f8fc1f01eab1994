import Foundation
import Wire

/// The agent's own safety limits on sells, from its configuration, checked before the exchange
/// is asked to trade: a refusal is a failed ack with the limit's code, never a trade.
public struct SellLimits: Sendable, Equatable {
    /// Only these assets may be sold; nil allows every asset the exchange can price.
    public var allowedAssets: Set<String>?
    /// Largest quantity per sell, per asset.
    public var maxQuantity: [String: Decimal] = [:]
    /// Largest gross value of one sell, in the quote asset.
    public var maxNotional: Decimal?
    /// Lowest price at which an asset may be sold.
    public var minPrice: [String: Decimal] = [:]

    public init() {}

    /// The limits `preview` would hit, as errors carrying their codes, in a fixed order.
    public func violations(of preview: SellPreview) -> [AgentError] {
        var violations: [AgentError] = []
        if let allowed = self.allowedAssets, !allowed.contains(preview.asset) {
            violations.append(.assetNotAllowed(preview.asset))
        }
        if let maximum = self.maxQuantity[preview.asset], preview.quantity > maximum {
            violations.append(
                .limitExceeded(
                    code: "max_quantity",
                    "quantity \(DecimalText.format(preview.quantity)) \(preview.asset) exceeds the maximum \(DecimalText.format(maximum))"
                ))
        }
        if let maximum = self.maxNotional, preview.gross > maximum {
            violations.append(
                .limitExceeded(
                    code: "max_notional",
                    "value \(DecimalText.format(preview.gross)) \(preview.quoteAsset) exceeds the maximum \(DecimalText.format(maximum))"
                ))
        }
        if let floor = self.minPrice[preview.asset], preview.price < floor {
            violations.append(.priceBelowMinimum(price: DecimalText.format(preview.price), minimum: DecimalText.format(floor)))
        }
        return violations
    }

    func validate() throws(AgentError) {
        for (asset, value) in self.maxQuantity where value <= 0 { throw .configuration("limits.max_quantity.\(asset) must be positive") }
        for (asset, value) in self.minPrice where value <= 0 { throw .configuration("limits.min_price.\(asset) must be positive") }
        if let value = self.maxNotional, value <= 0 { throw .configuration("limits.max_notional must be positive") }
    }
}

extension SellRequest {
    /// Validates a wire `Sell`: a known-format asset symbol, a positive quantity with at most 10
    /// decimal places, an optional positive minimum price.
    init(wire sell: Commandhub_V1_Sell) throws(AgentError) {
        let asset = sell.asset.uppercased()
        guard !asset.isEmpty, asset.count <= 20, asset.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw .invalidAmount(field: "asset", value: sell.asset)
        }
        guard let quantity = DecimalText.parse(sell.quantity, maxScale: DecimalText.scale), quantity > 0 else {
            throw .invalidAmount(field: "quantity", value: sell.quantity)
        }
        var minPrice: Decimal?
        if !sell.minPrice.isEmpty {
            guard let price = DecimalText.parse(sell.minPrice, maxScale: DecimalText.scale), price > 0 else {
                throw .invalidAmount(field: "min_price", value: sell.minPrice)
            }
            minPrice = price
        }
        self.init(asset: asset, quantity: quantity, minPrice: minPrice)
    }
}
