import Foundation
import Logging
import NIOHTTP1
import Synchronization
import Wire

/// Market sells that execute exactly once.
///
/// Binance does not dedupe `newClientOrderId` once the first order is filled: a market sell sent
/// twice executes twice. So, per client order id (the hub's command id):
/// 1. an id the journal already knows is never sent again — its record, or the exchange, answers;
/// 2. the exchange is asked first (`GET /api/v3/order?origClientOrderId=`), then the filters,
///    balance and floor price are checked, then the attempt is journaled, durably, and only then
///    the order is sent — once;
/// 3. a definite refusal is recorded as such (nothing executed); `-1021` alone is sent once more
///    with a fresh timestamp after the clock is measured again (the first did nothing);
/// 4. a timeout, a dropped connection, HTTP 5xx, `-1007` or `-1006` leave the outcome unknown:
///    the order is looked up with backoff, never re-sent (`BinanceExchange+Lookup`).
extension BinanceExchange {
    public func executeSell(_ request: SellRequest, clientOrderID: String) async throws(AgentError) -> SellFill {
        guard self.executing.withLock({ $0.insert(clientOrderID).inserted }) else {
            throw .outcomeUnknown("order \(clientOrderID) is being executed right now")
        }
        defer { _ = self.executing.withLock { $0.remove(clientOrderID) } }
        if let known = try await self.journal.attempt(clientOrderID) { return try await self.settle(known) }

        let rules = try await self.info.rules(for: request.asset)
        if let existing = try await self.existingFill(symbol: rules.symbol, clientOrderID: clientOrderID, request: request) {
            return existing
        }
        let account = try await self.account()
        let bid = try await self.bid(rules.symbol)
        let feeRate = try await self.info.feeRate(symbol: rules.symbol, account: account)
        let available = account.balances.first { $0.asset == request.asset }?.free.value ?? 0
        let preview = Self.preview(request, rules: rules, bid: bid, feeRate: feeRate, available: available)
        let filters = preview.limitsHit.filter { !["insufficient_balance", "min_price"].contains($0) }
        guard filters.isEmpty, preview.quantity == request.quantity else {
            let steps = preview.quantity == request.quantity ? "" : "; the most that can be sold is \(DecimalText.format(preview.quantity))"
            throw .exchangeRejected(code: "filter_failure", "\(rules.symbol): \(filters.joined(separator: ", "))\(steps)")
        }
        if preview.limitsHit.contains("insufficient_balance") {
            throw .insufficientBalance(
                asset: request.asset, available: DecimalText.format(available), requested: DecimalText.format(request.quantity))
        }
        if let minimum = request.minPrice, preview.limitsHit.contains("min_price") {
            throw .priceBelowMinimum(price: DecimalText.format(bid), minimum: DecimalText.format(minimum))
        }
        return try await self.send(request, symbol: rules.symbol, clientOrderID: clientOrderID)
    }

    /// The fill of the order placed with `clientOrderID`, if this agent placed one; nil when it
    /// never sent it, the exchange refused it or it was never placed. An order of unknown
    /// outcome is looked up (and is `outcomeUnknown` if the exchange still cannot tell).
    public func order(clientOrderID: String) async throws(AgentError) -> SellFill? {
        // Every order this agent sends is journaled first: no record, no order.
        guard let attempt = try await self.journal.attempt(clientOrderID) else { return nil }
        switch attempt.state {
        case .filled(let fill): return fill
        case .rejected, .notPlaced: return nil
        case .sent:
            switch try await self.resolve(attempt) {
            case .filled(let fill): return fill
            case .notPlaced, .refused: return nil
            }
        }
    }

    /// What an id the journal knows became of; never sends.
    func settle(_ attempt: BinanceOrderAttempt) async throws(AgentError) -> SellFill {
        switch attempt.state {
        case .filled(let fill): return fill
        case .rejected(let code, let message): throw .exchangeRejected(code: code, message)
        case .notPlaced: throw self.neverPlaced(attempt)
        case .sent: return try await self.answer(self.resolve(attempt), attempt)
        }
    }

    /// An order already on the exchange under `clientOrderID` (an earlier life sent it), as a fill.
    private func existingFill(symbol: String, clientOrderID: String, request: SellRequest) async throws(AgentError) -> SellFill? {
        let order: BinanceModels.Order?
        do {
            order = try await self.query(symbol: symbol, clientOrderID: clientOrderID)
        } catch {
            throw error.agentError
        }
        guard let order else { return nil }
        let attempt = BinanceOrderAttempt(
            clientOrderID: clientOrderID, symbol: symbol, asset: request.asset, quantity: order.origQty.value,
            timestampMs: order.time ?? self.client.clock.exchangeNow, recvWindowMs: self.client.recvWindowMs
        )
        try await self.journal.record(attempt)
        self.logger.notice("binance order already on the exchange; not sent again", metadata: ["client_order_id": "\(clientOrderID)"])
        if let fill = try await self.settle(found: order, attempt) { return fill }
        return try await self.answer(self.resolve(attempt), attempt)
    }

    /// Journals the attempt, then sends the order once (twice only after a `-1021`, which did nothing).
    private func send(_ request: SellRequest, symbol: String, clientOrderID: String) async throws(AgentError) -> SellFill {
        do { try await self.client.ensureClock() } catch { throw error.agentError }
        var attempt = BinanceOrderAttempt(
            clientOrderID: clientOrderID, symbol: symbol, asset: request.asset, quantity: request.quantity,
            timestampMs: self.client.clock.exchangeNow, recvWindowMs: self.client.recvWindowMs
        )
        let parameters: [(String, String)] = [
            ("symbol", symbol), ("side", "SELL"), ("type", "MARKET"), ("quantity", DecimalText.format(request.quantity)),
            ("newClientOrderId", clientOrderID), ("newOrderRespType", "FULL"),
        ]
        sending: for round in 1...2 {
            try await self.journal.record(attempt)
            let outcome: Result<BinanceModels.Order, BinanceFailure>
            do {
                outcome = .success(try await self.client.placeOrder(parameters, timestamp: attempt.timestampMs))
            } catch {
                outcome = .failure(error)
            }
            switch outcome {
            case .success(let order):
                if let fill = try await self.settle(found: order, attempt) { return fill }
                break sending
            case .failure(.rejected(-1021, let message, _)) where round == 1:
                self.logger.notice("binance refused the timestamp; measuring the clock again", metadata: ["message": "\(message)"])
                // The refused order did nothing; if the clock cannot be measured, none is sent again.
                do { try await self.client.syncClock() } catch { try await self.reject(attempt, with: error.agentError) }
                attempt.timestampMs = self.client.clock.exchangeNow
            case .failure(.rejected(let code, let message, let status)):
                try await self.reject(attempt, with: BinanceFailure.agentError(code: code, message: message, status: status))
            case .failure(.rateLimited(let seconds)):
                try await self.reject(attempt, with: .rateLimited(retryAfterSeconds: seconds))
            case .failure(.unknown(let why)):
                self.logger.warning(
                    "binance order outcome unknown; looking it up", metadata: ["client_order_id": "\(clientOrderID)", "why": "\(why)"])
                break sending
            }
        }
        return try await self.answer(self.resolve(attempt), attempt)
    }

    /// A resolution as an execution's answer.
    private func answer(_ resolution: Resolution, _ attempt: BinanceOrderAttempt) throws(AgentError) -> SellFill {
        switch resolution {
        case .filled(let fill): return fill
        case .notPlaced: throw self.neverPlaced(attempt)
        case .refused(let rejection): throw rejection
        }
    }

    /// Settles an attempt with the order the exchange reported: filled (recorded, returned),
    /// final with nothing executed (recorded, thrown), or still running (nil: look again).
    func settle(found order: BinanceModels.Order, _ attempt: BinanceOrderAttempt) async throws(AgentError) -> SellFill? {
        let finding: Finding
        do { finding = try await self.examine(order, attempt) } catch { throw error.agentError }
        switch finding {
        case .running: return nil
        case .unfilled(let rejection): try await self.reject(attempt, with: rejection)
        case .filled(let fill):
            try await self.record(fill, of: attempt, order: order)
            return fill
        }
    }

    /// Journals the fill of `attempt`.
    func record(_ fill: SellFill, of attempt: BinanceOrderAttempt, order: BinanceModels.Order) async throws(AgentError) {
        var filled = attempt
        filled.state = .filled(fill)
        try await self.journal.record(filled)
        self.logger.info(
            "binance order filled",
            metadata: [
                "client_order_id": "\(attempt.clientOrderID)", "order_id": "\(order.orderId)", "status": "\(order.status)",
            ])
    }

    /// Records a definite refusal and throws it.
    func reject(_ attempt: BinanceOrderAttempt, with rejection: AgentError) async throws(AgentError) -> Never {
        try await self.record(attempt, refusal: rejection)
        throw rejection
    }

    /// Journals a definite refusal: nothing was executed.
    func record(_ attempt: BinanceOrderAttempt, refusal rejection: AgentError) async throws(AgentError) {
        var attempt = attempt
        if case .exchangeRejected(let code, let why) = rejection {
            attempt.state = .rejected(code: code, message: why)
        } else {
            attempt.state = .rejected(code: rejection.code, message: rejection.description)
        }
        try await self.journal.record(attempt)
        self.logger.info(
            "binance order refused; nothing executed",
            metadata: ["client_order_id": "\(attempt.clientOrderID)", "code": "\(rejection.code)"])
    }

    func neverPlaced(_ attempt: BinanceOrderAttempt) -> AgentError {
        .notExecuted(
            "order \(attempt.clientOrderID) was never placed on \(attempt.symbol) (the exchange has no such order past its window); it will not be sent again"
        )
    }

    static func unfilled(_ order: BinanceModels.Order) -> AgentError {
        .exchangeRejected(code: "not_filled", "\(order.symbol) order \(order.orderId) ended \(order.status) with nothing executed")
    }

    /// Statuses after which an order changes no more.
    static func isFinal(_ status: String) -> Bool {
        ["FILLED", "EXPIRED", "EXPIRED_IN_MATCH", "CANCELED", "REJECTED"].contains(status)
    }

    /// The fill an order reports: `executedQty` (not the quantity asked), the average price
    /// `cummulativeQuoteQty / executedQty`, the commissions summed per asset (from the order's
    /// `fills`, or `fees` from its trades). Nil when nothing was executed or the order still runs.
    static func fill(_ order: BinanceModels.Order, fees: [String: Decimal]?, asset: String, quote: String) -> SellFill? {
        let executed = order.executedQty.value
        guard executed > 0, Self.isFinal(order.status) else { return nil }
        var commissions = fees ?? [:]
        if fees == nil {
            for fill in order.fills ?? [] { commissions[fill.commissionAsset, default: 0] += fill.commission.value }
        }
        let gross = order.cummulativeQuoteQty.value
        let quoteFee = commissions[quote] ?? 0
        var fill = SellFill(
            orderID: String(order.orderId), clientOrderID: order.clientOrderId, asset: asset, quoteAsset: quote, quantity: executed,
            price: DecimalText.round(gross / executed, scale: DecimalText.scale, mode: .bankers), gross: gross, fee: quoteFee,
            net: gross - quoteFee,
            executedAt: Date(timeIntervalSince1970: Double(order.transactTime ?? order.updateTime ?? order.time ?? 0) / 1000)
        )
        let others = commissions.filter { $0.key != quote && $0.value != 0 }
        if quoteFee == 0, others.count == 1, let (feeAsset, amount) = others.first {
            fill.fee = amount
            fill.feeAsset = feeAsset
        } else {
            fill.additionalFees = others
        }
        if executed < order.origQty.value { fill.requestedQuantity = order.origQty.value }
        if order.status != "FILLED" { fill.exchangeStatus = order.status }
        return fill
    }
}
