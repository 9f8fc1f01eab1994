import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization
import TestSupport

/// The fake's read endpoints and its JSON helpers.
extension FakeBinance {
    func exchangeInfo(_ parameters: [String: String]) -> Response {
        let symbols = self.state.withLock { $0.ledger.symbols }
        guard let name = parameters["symbol"], let symbol = symbols[name] else { return Self.error(.badRequest, -1121, "Invalid symbol.") }
        var filters: [[String: Any]] = [Self.lot("LOT_SIZE", symbol.lotSize)]
        if let lot = symbol.marketLotSize { filters.append(Self.lot("MARKET_LOT_SIZE", lot)) }
        filters.append([
            "filterType": "NOTIONAL", "minNotional": FakeBinanceLedger.text(symbol.minNotional ?? 0),
            "applyMinToMarket": symbol.minNotional != nil,
            "maxNotional": FakeBinanceLedger.text(symbol.maxNotional ?? 9_000_000), "applyMaxToMarket": symbol.maxNotional != nil,
            "avgPriceMins": 5,
        ])
        return Self.json([
            "timezone": "UTC", "serverTime": self.serverTime,
            "rateLimits": [["rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000]],
            "symbols": [
                [
                    "symbol": symbol.symbol, "status": symbol.status, "baseAsset": symbol.baseAsset, "quoteAsset": symbol.quoteAsset,
                    "orderTypes": ["LIMIT", "MARKET"], "filters": filters,
                ]
            ],
        ])
    }

    func bookTicker(_ parameters: [String: String]) -> Response {
        let symbols = self.state.withLock { $0.ledger.symbols }
        guard let name = parameters["symbol"], let symbol = symbols[name] else { return Self.error(.badRequest, -1121, "Invalid symbol.") }
        return Self.json([
            "symbol": symbol.symbol, "bidPrice": FakeBinanceLedger.text(symbol.bid), "bidQty": FakeBinanceLedger.text(symbol.bidQuantity),
            "askPrice": FakeBinanceLedger.text(symbol.bid * Decimal(string: "1.0001")!), "askQty": "1.00000000",
        ])
    }

    func account() -> Response {
        let ledger = self.state.withLock { $0.ledger }
        let balances = ledger.balances.filter { $0.value.free != 0 || $0.value.locked != 0 }.sorted { $0.key < $1.key }.map {
            ["asset": $0.key, "free": FakeBinanceLedger.text($0.value.free), "locked": FakeBinanceLedger.text($0.value.locked)]
        }
        return Self.json([
            "makerCommission": 10, "takerCommission": 10, "canTrade": true, "accountType": "SPOT", "permissions": ["SPOT"],
            "commissionRates": [
                "maker": "0.00100000", "taker": FakeBinanceLedger.text(ledger.taker), "buyer": "0.00000000",
                "seller": FakeBinanceLedger.text(ledger.seller),
            ],
            "balances": balances,
        ])
    }

    func commission(_ parameters: [String: String]) -> Response {
        let (ledger, available) = self.state.withLock { ($0.ledger, $0.commissionEndpoint) }
        guard available else { return Self.error(.notFound, -1000, "Unknown endpoint") }
        let zero = ["maker": "0.00000000", "taker": "0.00000000", "buyer": "0.00000000", "seller": "0.00000000"]
        return Self.json([
            "symbol": parameters["symbol"] ?? "",
            "standardCommission": [
                "maker": "0.00100000", "taker": FakeBinanceLedger.text(ledger.taker), "buyer": "0.00000000",
                "seller": FakeBinanceLedger.text(ledger.seller),
            ],
            "taxCommission": zero, "specialCommission": zero,
            "discount": [
                "enabledForAccount": ledger.bnbPrice != nil, "enabledForSymbol": true, "discountAsset": "BNB",
                "discount": FakeBinanceLedger.text(ledger.bnbDiscount),
            ],
        ])
    }

    func lookup(_ parameters: [String: String]) -> Response {
        let order = self.state.withLock { state -> FakeBinanceLedger.Order? in
            guard let found = state.ledger.order(symbol: parameters["symbol"] ?? "", clientOrderId: parameters["origClientOrderId"] ?? "")
            else { return nil }
            guard state.invisibleLookups == 0 else {
                state.invisibleLookups -= 1
                return nil
            }
            return found
        }
        guard let order else { return Self.error(.badRequest, -2013, "Order does not exist.") }
        return Self.json(Self.order(order))
    }

    func trades(_ parameters: [String: String]) -> Response {
        let orders = self.state.withLock { $0.ledger.orders }
        let trades = orders.filter {
            $0.symbol == parameters["symbol"] && String($0.orderId) == parameters["orderId"] && $0.executedQty > 0
        }
        return Self.json(
            trades.map { order in
                [
                    "symbol": order.symbol, "id": order.tradeId, "orderId": order.orderId, "price": FakeBinanceLedger.text(order.price),
                    "qty": FakeBinanceLedger.text(order.executedQty), "quoteQty": FakeBinanceLedger.text(order.quoteQty),
                    "commission": FakeBinanceLedger.text(order.commission), "commissionAsset": order.commissionAsset, "time": order.time,
                    "isBuyer": false, "isMaker": false,
                ] as [String: Any]
            })
    }

    static func order(_ order: FakeBinanceLedger.Order) -> [String: Any] {
        [
            "symbol": order.symbol, "orderId": order.orderId, "orderListId": -1, "clientOrderId": order.clientOrderId,
            "price": "0.00000000",
            "origQty": FakeBinanceLedger.text(order.origQty), "executedQty": FakeBinanceLedger.text(order.executedQty),
            "cummulativeQuoteQty": FakeBinanceLedger.text(order.quoteQty), "status": order.status, "timeInForce": "GTC", "type": "MARKET",
            "side": "SELL", "time": order.time, "updateTime": order.time, "workingTime": order.time, "selfTradePreventionMode": "NONE",
        ]
    }

    private static func lot(_ type: String, _ lot: FakeSymbol.Lot) -> [String: Any] {
        [
            "filterType": type, "minQty": FakeBinanceLedger.text(lot.minQty), "maxQty": FakeBinanceLedger.text(lot.maxQty),
            "stepSize": FakeBinanceLedger.text(lot.stepSize),
        ]
    }

    /// Query and body parameters (the query wins, as at Binance), percent-decoded.
    static func parameters(query: String, body: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for source in [body, query] {
            for pair in source.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                let key = String(parts[0])
                let value = parts.count > 1 ? String(parts[1]) : ""
                parameters[key] = value.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? value
            }
        }
        return parameters
    }

    /// `text` with its `signature=` parameter removed, the rest exactly as received.
    static func withoutSignature(_ text: String) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).filter { !$0.hasPrefix("signature=") }.joined(separator: "&")
    }

    static func json(_ object: Any, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        var response = Response(status: status, body: .init(byteBuffer: ByteBuffer(bytes: data)))
        response.headers[.contentType] = "application/json;charset=UTF-8"
        return response
    }

    static func error(_ status: HTTPResponse.Status, _ code: Int, _ message: String) -> Response {
        self.json(["code": code, "msg": message], status: status)
    }
}
