import Crypto
import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import Synchronization
import TestSupport

/// The endpoints the connector uses, answered as Binance answers them (JSON, amounts as
/// 8-decimal strings, errors as `{"code", "msg"}`).
extension FakeBinance {
    func respond(to request: Request, context: FakeBinanceContext) async throws -> Response {
        var request = request
        let query = request.uri.query ?? ""
        let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
        let route = "\(request.method.rawValue) \(request.uri.path)"
        let weights = [
            "GET /api/v3/time": 1, "GET /api/v3/exchangeInfo": 20, "GET /api/v3/ticker/bookTicker": 2, "GET /api/v3/account": 20,
            "GET /api/v3/account/commission": 20, "GET /api/v3/order": 4, "POST /api/v3/order": 1, "GET /api/v3/myTrades": 20,
        ]
        let limited = self.state.withLock { state -> Int? in
            state.requests.append(route)
            guard let limit = state.rateLimited else { return nil }
            state.rateLimited = limit.count > 1 ? (limit.count - 1, limit.retryAfter) : nil
            return limit.retryAfter
        }
        if let seconds = limited {
            var response = Self.error(
                .tooManyRequests, -1003, "Too much request weight used; current limit is 6000 request weight per 1 MINUTE.")
            response.headers[HTTPField.Name("Retry-After")!] = String(seconds)
            return response
        }
        let parameters = Self.parameters(query: query, body: body)
        var response: Response
        switch route {
        case "GET /api/v3/time": response = Self.json(["serverTime": self.serverTime])
        case "GET /api/v3/exchangeInfo": response = self.exchangeInfo(parameters)
        case "GET /api/v3/ticker/bookTicker": response = self.bookTicker(parameters)
        case "GET /api/v3/account", "GET /api/v3/account/commission", "GET /api/v3/order", "POST /api/v3/order", "GET /api/v3/myTrades":
            if let refused = self.authenticate(request, query: query, body: body, parameters: parameters) {
                if route == "POST /api/v3/order" { self.countPost(parameters) }
                response = refused
            } else {
                switch route {
                case "GET /api/v3/account": response = self.account()
                case "GET /api/v3/account/commission": response = self.commission(parameters)
                case "GET /api/v3/order": response = self.lookup(parameters)
                case "GET /api/v3/myTrades": response = self.trades(parameters)
                default: response = try await self.placeOrder(parameters, context: context)
                }
            }
        default: response = Self.error(.notFound, -1000, "Unknown endpoint \(route)")
        }
        let used = self.state.withLock { state -> Int in
            let minute = self.clock() / 60_000
            if state.usedWeight.minute != minute { state.usedWeight = (minute, 0) }
            state.usedWeight.weight += weights[route] ?? 1
            return state.usedWeight.weight
        }
        response.headers[HTTPField.Name("X-MBX-USED-WEIGHT-1M")!] = String(used)
        return response
    }

    /// The API key, the signature over the raw query + body, the timestamp and recvWindow.
    private func authenticate(_ request: Request, query: String, body: String, parameters: [String: String]) -> Response? {
        guard request.headers[HTTPField.Name("X-MBX-APIKEY")!] == Self.apiKey else {
            return Self.error(.unauthorized, -2015, "Invalid API-key, IP, or permissions for action.")
        }
        guard let signature = parameters["signature"] else {
            return Self.error(.badRequest, -1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.")
        }
        let payload = Self.withoutSignature(query) + Self.withoutSignature(body)
        let expected = HMAC<SHA256>.authenticationCode(for: Data(payload.utf8), using: SymmetricKey(data: Data(Self.secretKey.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        guard signature.lowercased() == expected else { return Self.error(.badRequest, -1022, "Signature for this request is not valid.") }
        guard let timestamp = parameters["timestamp"].flatMap({ Int64($0) }) else {
            return Self.error(.badRequest, -1102, "Mandatory parameter 'timestamp' was not sent, was empty/null, or malformed.")
        }
        let window = parameters["recvWindow"].flatMap { Int64($0) } ?? 5000
        guard window <= 60_000 else { return Self.error(.badRequest, -1131, "recvWindow must be less than 60000") }
        let now = self.serverTime
        guard timestamp < now + 1000, now - timestamp <= window else {
            return Self.error(.badRequest, -1021, "Timestamp for this request is outside of the recvWindow.")
        }
        return nil
    }

    private func countPost(_ parameters: [String: String]) {
        guard let id = parameters["newClientOrderId"] else { return }
        self.state.withLock { $0.ledger.orderPosts[id, default: 0] += 1 }
    }

    private func placeOrder(_ parameters: [String: String], context: FakeBinanceContext) async throws -> Response {
        self.countPost(parameters)
        guard let id = parameters["newClientOrderId"], !id.isEmpty, id.count <= 36 else {
            return Self.error(.badRequest, -1100, "Illegal characters found in parameter 'newClientOrderId'.")
        }
        guard parameters["side"] == "SELL", parameters["type"] == "MARKET",
            let quantity = parameters["quantity"].flatMap({ Decimal(string: $0, locale: Locale(identifier: "en_US_POSIX")) })
        else { return Self.error(.badRequest, -1102, "This fake takes market sells with a quantity only.") }
        let now = self.serverTime
        let outcome = self.state.withLock { state -> Result<(FakeBinanceLedger.Order, FakeOrderFault?), FakeBinanceRefusal> in
            guard let symbol = state.ledger.symbols[parameters["symbol"] ?? ""] else { return .failure(.init(-1121, "Invalid symbol.")) }
            let fault = state.orderFaults.isEmpty ? nil : state.orderFaults.removeFirst()
            switch fault {
            case .dropConnectionBeforeExecuting?: return .failure(.init(0, "dropped"))
            case .reject(let code, let message)?: return .failure(.init(code, message))
            default: break
            }
            if let refusal = state.ledger.refusal(symbol: symbol, quantity: quantity) {
                return .failure(.init(refusal.code, refusal.message))
            }
            return .success((state.ledger.execute(symbol: symbol, quantity: quantity, clientOrderId: id, at: now), fault))
        }
        let order: FakeBinanceLedger.Order
        let fault: FakeOrderFault?
        switch outcome {
        case .failure(let refusal) where refusal.code == 0:
            try? await context.channel.close()
            return Response(status: .internalServerError)
        case .failure(let refusal): return Self.error(.badRequest, refusal.code, refusal.message)
        case .success(let executed): (order, fault) = executed
        }
        self.executed.append(id)
        switch fault {
        case .dropConnectionAfterExecuting?:
            try? await context.channel.close()
            return Response(status: .internalServerError)
        case .failAfterExecuting(let status, let code)?:
            guard let code else {
                return Response(
                    status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: "<html>Service Unavailable</html>")))
            }
            return Self.error(
                .init(code: status), code,
                "Timeout waiting for response from backend server. Send status unknown; execution status unknown.")
        case .holdAfterExecuting?:
            await self.held.wait()
        default: break
        }
        var json = Self.order(order)
        json["transactTime"] = order.time
        json["fills"] =
            order.executedQty > 0
            ? [
                [
                    "price": FakeBinanceLedger.text(order.price), "qty": FakeBinanceLedger.text(order.executedQty),
                    "commission": FakeBinanceLedger.text(order.commission), "commissionAsset": order.commissionAsset,
                    "tradeId": order.tradeId,
                ]
            ] : []
        return Self.json(json)
    }
}

struct FakeBinanceRefusal: Error {
    let code: Int
    let message: String
    init(_ code: Int, _ message: String) {
        self.code = code
        self.message = message
    }
}
