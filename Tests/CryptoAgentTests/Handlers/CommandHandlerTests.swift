import Foundation
import Testing
import Wire

@testable import CryptoAgent

@Suite("CommandHandler")
struct CommandHandlerTests {
    func makeHandler(finished: any FinishedCommandStore = InMemoryFinishedCommands(), limits: SellLimits = SellLimits()) throws
        -> CommandHandler
    {
        CommandHandler(
            state: AgentState(), exchange: try PaperExchange.inMemory(configuration: PaperExchangeConfiguration()),
            finished: finished, limits: limits
        )
    }

    func sell(_ asset: String, _ quantity: String, preview: Bool = false, minPrice: String = "") -> Commandhub_V1_Command.OneOf_Action {
        var sell = Commandhub_V1_Sell()
        sell.asset = asset
        sell.quantity = quantity
        sell.previewOnly = preview
        sell.minPrice = minPrice
        return .sell(sell)
    }

    func command(_ action: Commandhub_V1_Command.OneOf_Action, id: String = UUID().uuidString.lowercased()) -> Commandhub_V1_Command {
        var command = Commandhub_V1_Command()
        command.commandID = id
        command.issuedAtMs = WireTime.nowMilliseconds()
        command.deadlineMs = command.issuedAtMs + 60_000
        command.action = action
        return command
    }

    @Test func pauseThenStatusReportsPaused() async throws {
        let handler = try self.makeHandler()
        let pause = await handler.handle(self.command(.pause(.init())))
        #expect(pause.success)
        #expect(pause.message == "Client paused successfully")
        #expect(pause.status == .paused)
        let status = await handler.handle(self.command(.requestStatus(.init())))
        #expect(status.statusReport.status == .paused)
        #expect(status.message.hasPrefix("Status: PAUSED, Wallets: 0, Last sync: never"))
    }

    @Test func syncWhilePausedIsAFailedAckWithReason() async throws {
        let handler = try self.makeHandler()
        _ = await handler.handle(self.command(.pause(.init())))
        let sync = await handler.handle(self.command(.syncWallets(.init())))
        #expect(!sync.success)
        #expect(sync.errorCode == "paused")
        #expect(sync.status == .paused)
    }

    @Test func syncReturnsTheRequestedBalances() async throws {
        let handler = try self.makeHandler()
        var request = Commandhub_V1_SyncWallets()
        request.symbols = ["BTC", "DOGE"]
        let ack = await handler.handle(self.command(.syncWallets(request)))
        #expect(ack.success)
        #expect(ack.balances.balances.map(\.asset) == ["BTC", "DOGE"])
        #expect(ack.balances.balances.map(\.free) == ["1.5", "0"])
    }

    @Test func aFinishedCommandIdIsAnsweredFromTheRecordNotExecutedAgain() async throws {
        let handler = try self.makeHandler()
        let pause = self.command(.pause(.init()))
        let first = await handler.handle(pause)
        #expect(first.success && !first.replayed)
        _ = await handler.handle(self.command(.resume(.init())))
        let replay = await handler.handle(pause)
        #expect(replay.replayed)
        #expect(replay.message == first.message)
        // Not executed again: the agent stays resumed.
        #expect(handler.state.status == .active)
        #expect(handler.state.snapshot.commandsHandled == 2)
    }

    @Test func concurrentDuplicatesRunOnce() async throws {
        let handler = try self.makeHandler()
        let sync = self.command(.syncWallets(.init()))
        let acks = await withTaskGroup(of: Commandhub_V1_CommandAck.self) { group in
            for _ in 0..<8 { group.addTask { await handler.handle(sync) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(acks.count == 8)
        #expect(acks.filter { !$0.replayed }.count == 1)
        #expect(handler.state.snapshot.syncRequests == 1)
    }

    @Test func aCommandPastItsDeadlineIsRefusedUnexecuted() async throws {
        let handler = try self.makeHandler()
        var pause = self.command(.pause(.init()))
        pause.deadlineMs = WireTime.nowMilliseconds() - 1000
        let ack = await handler.handle(pause)
        #expect(!ack.success)
        #expect(ack.errorCode == "deadline_passed")
        #expect(handler.state.status == .active)
    }

    @Test func aSellExecutesOnceAndEveryAckCarriesTheAgentState() async throws {
        let handler = try self.makeHandler()
        let command = self.command(self.sell("btc", "0.25"))
        let ack = await handler.handle(command)
        #expect(ack.success, "\(ack.message)")
        #expect(ack.sellFill.clientOrderID == command.commandID)
        #expect(ack.sellFill.net == "10770.593625")
        #expect(ack.hasAgentState)
        let replay = await handler.handle(command)
        #expect(replay.replayed)
        #expect(try await handler.exchange.balances(symbols: ["BTC"]).first?.free == Decimal(string: "1.25"))
    }

    @Test func pauseAndLimitsRefuseWithReasonsAndPreviewListsThem() async throws {
        var limits = SellLimits()
        limits.allowedAssets = ["BTC"]
        limits.maxQuantity = ["BTC": Decimal(string: "0.5")!]
        limits.maxNotional = Decimal(10_000)
        limits.minPrice = ["BTC": Decimal(50_000)]
        let handler = try self.makeHandler(limits: limits)
        let tooMuch = await handler.handle(self.command(self.sell("BTC", "0.75")))
        #expect(!tooMuch.success)
        #expect(tooMuch.errorCode == "max_quantity")
        let notAllowed = await handler.handle(self.command(self.sell("ETH", "1")))
        #expect(notAllowed.errorCode == "asset_not_allowed")
        let preview = await handler.handle(self.command(self.sell("BTC", "0.4", preview: true)))
        #expect(preview.success)
        #expect(preview.sellPreview.limitsHit == ["max_notional", "min_price"])
        _ = await handler.handle(self.command(.pause(.init())))
        let paused = await handler.handle(self.command(self.sell("BTC", "0.1")))
        #expect(paused.errorCode == "paused")
        let pausedPreview = await handler.handle(self.command(self.sell("BTC", "0.1", preview: true)))
        #expect(pausedPreview.sellPreview.limitsHit.contains("paused"))
        let invalid = await handler.handle(self.command(self.sell("BTC", "0.12345678901")))
        #expect(invalid.errorCode == "invalid_amount")
        #expect(try await handler.exchange.balances(symbols: ["BTC"]).first?.free == Decimal(string: "1.5"), "nothing traded")
    }

    @Test func aLookupNeverExecutesButFindsASellTheExchangeExecuted() async throws {
        let handler = try self.makeHandler()
        // The exchange executed it, the agent died before recording: the lookup finds the fill.
        let executed = self.command(self.sell("BTC", "0.1"))
        _ = try await handler.exchange.executeSell(
            SellRequest(asset: "BTC", quantity: Decimal(string: "0.1")!), clientOrderID: executed.commandID)
        var lookup = executed
        lookup.lookupOnly = true
        let found = await handler.handle(lookup)
        #expect(found.success)
        #expect(found.sellFill.clientOrderID == executed.commandID)
        // Never seen: refused as not executed, and a late copy of the original is refused too.
        let unknown = self.command(self.sell("BTC", "0.2"))
        var unknownLookup = unknown
        unknownLookup.lookupOnly = true
        #expect(await handler.handle(unknownLookup).errorCode == "not_executed")
        let late = await handler.handle(unknown)
        #expect(late.errorCode == "not_executed")
        #expect(late.replayed)
        #expect(try await handler.exchange.balances(symbols: ["BTC"]).first?.free == Decimal(string: "1.4"))
    }
}
