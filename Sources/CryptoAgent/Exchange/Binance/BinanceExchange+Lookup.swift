import Foundation
import Logging
import NIOHTTP1
import Wire

/// Settling an order whose outcome is unknown, by asking the exchange and never re-sending.
///
/// The order is looked up by `origClientOrderId` with backoff (from the injected `BinanceTime`).
/// Found and final: that is the answer. Not found (`-2013`): the order may still be on its way —
/// "not placed" is concluded only when the exchange's clock is past the order's `timestamp` +
/// `recvWindow` (plus a second for our clock estimate) and at least `notFoundLookups` lookups
/// sent after that moment answered `-2013`: the exchange can no longer accept it. Out of time
/// (`outcomeLookupBudget`): `outcomeUnknown`, and the attempt stays `sent`, so the next lookup
/// (the hub's reconciliation) asks again.
extension BinanceExchange {
    enum Resolution {
        case filled(SellFill)
        /// Never placed: the exchange has no such order past its window.
        case notPlaced
        /// The exchange ended it with nothing executed.
        case refused(AgentError)
    }

    /// What a found order says.
    enum Finding {
        case filled(SellFill)
        case unfilled(AgentError)
        case running
    }

    /// Lookups answering `-2013` after the window that conclude "not placed".
    static let notFoundLookups = 3
    /// Slack for the estimate of the exchange's clock (the exchange itself allows 1 s ahead).
    static let clockSlackMs: Int64 = 1000

    func resolve(_ attempt: BinanceOrderAttempt) async throws(AgentError) -> Resolution {
        let start = self.time.nowMilliseconds()
        let budget = self.configuration.outcomeLookupBudget.components.seconds * 1000
        var delay: Duration = .milliseconds(250)
        var notFoundAfterWindow = 0
        var last = "no answer yet"
        while true {
            let askedAt = self.client.clock.exchangeNow
            do {
                if let order = try await self.query(symbol: attempt.symbol, clientOrderID: attempt.clientOrderID) {
                    switch try await self.examine(order, attempt) {
                    case .filled(let fill):
                        try await self.record(fill, of: attempt, order: order)
                        return .filled(fill)
                    case .unfilled(let rejection):
                        try await self.record(attempt, refusal: rejection)
                        return .refused(rejection)
                    case .running:
                        last = "order \(order.orderId) is \(order.status)"
                    }
                } else {
                    last = "the exchange has no such order yet"
                    if askedAt > attempt.windowEndMs + Self.clockSlackMs { notFoundAfterWindow += 1 }
                    if notFoundAfterWindow >= Self.notFoundLookups {
                        var concluded = attempt
                        concluded.state = .notPlaced
                        try await self.journal.record(concluded)
                        self.logger.notice("binance order was never placed", metadata: ["client_order_id": "\(attempt.clientOrderID)"])
                        return .notPlaced
                    }
                }
            } catch let failure as BinanceFailure {
                last = "\(failure.agentError.description)"
                if case .rateLimited(let seconds) = failure { delay = max(delay, .seconds(seconds)) }
            } catch let error as AgentError {
                throw error
            } catch {
                last = "\(error)"
            }
            let elapsed = self.time.nowMilliseconds() - start
            guard elapsed + Self.milliseconds(delay) <= budget else {
                self.logger.warning(
                    "binance order outcome still unknown", metadata: ["client_order_id": "\(attempt.clientOrderID)", "last": "\(last)"])
                throw .outcomeUnknown("order \(attempt.clientOrderID) on \(attempt.symbol) may or may not have executed (\(last))")
            }
            do { try await self.time.sleep(for: delay) } catch {
                throw .outcomeUnknown("order \(attempt.clientOrderID) on \(attempt.symbol): the lookup was cancelled")
            }
            delay = min(delay * 2, .seconds(4))
        }
    }

    /// `GET /api/v3/order` by client order id (weight 4); nil for `-2013`.
    func query(symbol: String, clientOrderID: String) async throws(BinanceFailure) -> BinanceModels.Order? {
        do {
            return try await self.client.call(
                .GET, "/api/v3/order", [("symbol", symbol), ("origClientOrderId", clientOrderID)], signed: true, weight: 4
            )
        } catch .rejected(BinanceFailure.noSuchOrder, _, _) {
            return nil
        }
    }

    /// A found order as a fill (its commissions from its trades when it carries no fills).
    func examine(_ order: BinanceModels.Order, _ attempt: BinanceOrderAttempt) async throws(BinanceFailure) -> Finding {
        guard Self.isFinal(order.status) else { return .running }
        guard order.executedQty.value > 0 else { return .unfilled(Self.unfilled(order)) }
        var fees: [String: Decimal]?
        if order.fills == nil {
            let trades: [BinanceModels.Trade] = try await self.client.call(
                .GET, "/api/v3/myTrades", [("symbol", attempt.symbol), ("orderId", String(order.orderId))], signed: true, weight: 20
            )
            let ofOrder = trades.filter { $0.orderId == order.orderId }
            // Trades lag the order by a moment: without them the commission is not known yet.
            guard !ofOrder.isEmpty else { return .running }
            fees = ofOrder.reduce(into: [:]) { $0[$1.commissionAsset, default: 0] += $1.commission.value }
        }
        guard let fill = Self.fill(order, fees: fees, asset: attempt.asset, quote: self.quoteAsset) else { return .running }
        return .filled(fill)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }
}
