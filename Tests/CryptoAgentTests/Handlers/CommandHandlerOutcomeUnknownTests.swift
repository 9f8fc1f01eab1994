import Foundation
import Synchronization
import Testing
import Wire

@testable import CryptoAgent

/// A sell whose outcome the exchange cannot tell yet is not a finished command: it is answered
/// `outcome_unknown`, not recorded, and the next lookup asks the exchange again.
@Suite("CommandHandler and unknown outcomes")
struct CommandHandlerOutcomeUnknownTests {
    @Test func anOutcomeUnknownSellIsNotRecordedSoALaterLookupAsksTheExchangeAgain() async throws {
        let paper = try PaperExchange.inMemory(configuration: PaperExchangeConfiguration())
        let exchange = UncertainExchange(base: paper)
        let finished = InMemoryFinishedCommands()
        let handler = CommandHandler(state: AgentState(), exchange: exchange, finished: finished)
        let id = UUID().uuidString.lowercased()
        var sell = Commandhub_V1_Sell()
        sell.asset = "BTC"
        sell.quantity = "0.25"
        var command = Commandhub_V1_Command()
        command.commandID = id
        command.action = .sell(sell)

        let unknown = await handler.handle(command)
        #expect(!unknown.success)
        #expect(unknown.errorCode == "outcome_unknown")
        #expect(try await finished.ack(for: id) == nil, "not finished: the truth is still to be learned")

        var lookup = Commandhub_V1_Command()
        lookup.commandID = id
        lookup.lookupOnly = true
        let stillUnknown = await handler.handle(lookup)
        #expect(stillUnknown.errorCode == "outcome_unknown")
        #expect(try await finished.ack(for: id) == nil)

        exchange.settle()
        let settled = await handler.handle(lookup)
        #expect(settled.success)
        #expect(settled.sellFill.quantity == "0.25")
        #expect(settled.sellFill.clientOrderID == id)
        #expect(exchange.lookups == 2, "each lookup asked the exchange")
        #expect(try await finished.ack(for: id)?.sellFill.net == settled.sellFill.net, "and now it is recorded")
        let replayed = await handler.handle(command)
        #expect(replayed.replayed && replayed.success)
    }
}

/// An exchange that executed a sell but cannot say so until `settle()`.
final class UncertainExchange: ExchangeConnector {
    let base: PaperExchange
    private let state = Mutex<(settled: Bool, lookups: Int)>((false, 0))

    init(base: PaperExchange) {
        self.base = base
    }

    var name: String { "uncertain" }
    var quoteAsset: String { self.base.quoteAsset }
    var lookups: Int { self.state.withLock { $0.lookups } }
    func settle() { self.state.withLock { $0.settled = true } }

    func balances(symbols: [String]) async throws(AgentError) -> [WalletBalance] { try await self.base.balances(symbols: symbols) }
    func price(of asset: String) async throws(AgentError) -> Decimal { try await self.base.price(of: asset) }
    func previewSell(_ request: SellRequest) async throws(AgentError) -> SellPreview { try await self.base.previewSell(request) }

    func executeSell(_ request: SellRequest, clientOrderID: String) async throws(AgentError) -> SellFill {
        _ = try await self.base.executeSell(request, clientOrderID: clientOrderID)
        throw .outcomeUnknown("the exchange did not answer")
    }

    func order(clientOrderID: String) async throws(AgentError) -> SellFill? {
        let settled = self.state.withLock { state -> Bool in
            state.lookups += 1
            return state.settled
        }
        guard settled else { throw .outcomeUnknown("the exchange cannot tell yet") }
        return try await self.base.order(clientOrderID: clientOrderID)
    }
}
