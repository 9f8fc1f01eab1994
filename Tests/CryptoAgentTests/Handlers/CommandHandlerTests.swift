import Foundation
import Testing
import Wire

@testable import CryptoAgent

@Suite("CommandHandler")
struct CommandHandlerTests {
    func makeHandler(finished: any FinishedCommandStore = InMemoryFinishedCommands()) -> CommandHandler {
        CommandHandler(state: AgentState(), exchange: PaperExchange(configuration: PaperExchangeConfiguration()), finished: finished)
    }

    func command(_ action: Commandhub_V1_Command.OneOf_Action, id: String = UUID().uuidString.lowercased()) -> Commandhub_V1_Command {
        var command = Commandhub_V1_Command()
        command.commandID = id
        command.issuedAtMs = WireTime.nowMilliseconds()
        command.deadlineMs = command.issuedAtMs + 60_000
        command.action = action
        return command
    }

    @Test func pauseThenStatusReportsPaused() async {
        let handler = self.makeHandler()
        let pause = await handler.handle(self.command(.pause(.init())))
        #expect(pause.success)
        #expect(pause.message == "Client paused successfully")
        #expect(pause.status == .paused)
        let status = await handler.handle(self.command(.requestStatus(.init())))
        #expect(status.statusReport.status == .paused)
        #expect(status.message.hasPrefix("Status: PAUSED, Wallets: 0, Last sync: never"))
    }

    @Test func syncWhilePausedIsAFailedAckWithReason() async {
        let handler = self.makeHandler()
        _ = await handler.handle(self.command(.pause(.init())))
        let sync = await handler.handle(self.command(.syncWallets(.init())))
        #expect(!sync.success)
        #expect(sync.errorCode == "paused")
        #expect(sync.status == .paused)
    }

    @Test func syncReturnsTheRequestedBalances() async {
        let handler = self.makeHandler()
        var request = Commandhub_V1_SyncWallets()
        request.symbols = ["BTC", "DOGE"]
        let ack = await handler.handle(self.command(.syncWallets(request)))
        #expect(ack.success)
        #expect(ack.balances.balances.map(\.asset) == ["BTC", "DOGE"])
        #expect(ack.balances.balances.map(\.free) == ["1.5", "0"])
    }

    @Test func aFinishedCommandIdIsAnsweredFromTheRecordNotExecutedAgain() async {
        let handler = self.makeHandler()
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

    @Test func concurrentDuplicatesRunOnce() async {
        let handler = self.makeHandler()
        let sync = self.command(.syncWallets(.init()))
        let acks = await withTaskGroup(of: Commandhub_V1_CommandAck.self) { group in
            for _ in 0..<8 { group.addTask { await handler.handle(sync) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(acks.count == 8)
        #expect(acks.filter { !$0.replayed }.count == 1)
        #expect(handler.state.snapshot.syncRequests == 1)
    }

    @Test func aCommandPastItsDeadlineIsRefusedUnexecuted() async {
        let handler = self.makeHandler()
        var pause = self.command(.pause(.init()))
        pause.deadlineMs = WireTime.nowMilliseconds() - 1000
        let ack = await handler.handle(pause)
        #expect(!ack.success)
        #expect(ack.errorCode == "deadline_passed")
        #expect(handler.state.status == .active)
    }
}
