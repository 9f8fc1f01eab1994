import Foundation
import Wire

/// The agent's durable record of one market sell it sends to Binance, keyed by the client order
/// id (the hub's command id). It is written before the order leaves, so an order is sent at most
/// once per id — ever, across restarts — and what became of it is known or can be asked.
package struct BinanceOrderAttempt: Sendable, Equatable {
    package enum State: Sendable, Equatable {
        /// Sent, or about to be: the outcome is not known yet.
        case sent
        /// The exchange executed it (completely or partly).
        case filled(SellFill)
        /// The exchange refused it with a definite answer; nothing was executed.
        case rejected(code: String, message: String)
        /// Lookups showed it was never placed: past its window, the exchange has no such order.
        case notPlaced
    }

    package var clientOrderID: String
    package var symbol: String
    package var asset: String
    package var quantity: Decimal
    /// The signed request's `timestamp` and `recvWindow`: past `timestampMs + recvWindowMs` by the
    /// exchange's clock, an order not yet placed can no longer be.
    package var timestampMs: Int64
    package var recvWindowMs: Int
    package var state: State

    package init(
        clientOrderID: String, symbol: String, asset: String, quantity: Decimal, timestampMs: Int64, recvWindowMs: Int,
        state: State = .sent
    ) {
        self.clientOrderID = clientOrderID
        self.symbol = symbol
        self.asset = asset
        self.quantity = quantity
        self.timestampMs = timestampMs
        self.recvWindowMs = recvWindowMs
        self.state = state
    }

    /// The exchange time after which the order can no longer be accepted.
    package var windowEndMs: Int64 { self.timestampMs + Int64(self.recvWindowMs) }
}

extension SellFill {
    /// The fill as text fields, for the order journal (amounts as decimal strings).
    var journalFields: [String: String] {
        var fields = [
            "order_id": self.orderID, "client_order_id": self.clientOrderID, "asset": self.asset, "quote_asset": self.quoteAsset,
            "quantity": DecimalText.format(self.quantity), "price": DecimalText.format(self.price),
            "gross": DecimalText.format(self.gross), "fee": DecimalText.format(self.fee), "net": DecimalText.format(self.net),
            "executed_at_ms": String(WireTime.milliseconds(self.executedAt)),
        ]
        if let asset = self.feeAsset { fields["fee_asset"] = asset }
        if let requested = self.requestedQuantity { fields["requested_quantity"] = DecimalText.format(requested) }
        if let status = self.exchangeStatus { fields["exchange_status"] = status }
        for (asset, amount) in self.additionalFees { fields["additional_fee." + asset] = DecimalText.format(amount) }
        return fields
    }

    /// The fill the journal's fields describe, or nil when they are incomplete.
    init?(journalFields fields: [String: String]) {
        func decimal(_ key: String) -> Decimal? { fields[key].flatMap { DecimalText.parse($0) } }
        guard let orderID = fields["order_id"], let clientOrderID = fields["client_order_id"], let asset = fields["asset"],
            let quote = fields["quote_asset"], let quantity = decimal("quantity"), let price = decimal("price"),
            let gross = decimal("gross"), let fee = decimal("fee"), let net = decimal("net"),
            let executedAt = fields["executed_at_ms"].flatMap({ Int64($0) })
        else { return nil }
        self.init(
            orderID: orderID, clientOrderID: clientOrderID, asset: asset, quoteAsset: quote, quantity: quantity, price: price,
            gross: gross, fee: fee, net: net, executedAt: Date(timeIntervalSince1970: Double(executedAt) / 1000)
        )
        self.feeAsset = fields["fee_asset"]
        self.requestedQuantity = decimal("requested_quantity")
        self.exchangeStatus = fields["exchange_status"]
        for (key, value) in fields where key.hasPrefix("additional_fee.") {
            if let amount = DecimalText.parse(value) { self.additionalFees[String(key.dropFirst("additional_fee.".count))] = amount }
        }
    }
}
