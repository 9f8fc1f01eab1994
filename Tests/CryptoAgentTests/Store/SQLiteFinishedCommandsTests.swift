import Foundation
import Testing
import TestSupport
import Wire

@testable import CryptoAgent

@Suite("SQLiteFinishedCommands", .timeLimit(.minutes(1)))
struct SQLiteFinishedCommandsTests {
    func ack(_ id: String, message: String = "done") -> Commandhub_V1_CommandAck {
        var ack = Commandhub_V1_CommandAck()
        ack.commandID = id
        ack.success = true
        ack.message = message
        return ack
    }

    @Test func concurrentRecordsAreEachOnDiskWhenTheirCallReturns() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try AgentStore.open(path: directory.path("agent.sqlite"))
            let finished = SQLiteFinishedCommands(store: store, retention: .seconds(3600))
            let ids = (0..<64).map { _ in UUID().uuidString.lowercased() }
            // Each call checks its own record right after it returns: group commit must not let
            // a caller go before its transaction is committed.
            let found = await withTaskGroup(of: Bool.self) { group in
                for id in ids {
                    group.addTask {
                        try? await finished.record(self.ack(id), action: "pause")
                        let fresh = SQLiteFinishedCommands(store: store, retention: .seconds(3600))
                        return (try? await fresh.ack(for: id))?.commandID == id
                    }
                }
                return await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(found.count == 64 && found.allSatisfy { $0 })
            #expect(try finished.count() == 64)
        }
    }

    @Test func aRecordedIdIsFoundAfterARestartAndAnUnknownOneIsNot() async throws {
        try await TemporaryDirectory.with { directory in
            let path = directory.path("agent.sqlite")
            let id = UUID().uuidString.lowercased()
            do {
                let store = try AgentStore.open(path: path)
                try await SQLiteFinishedCommands(store: store, retention: .seconds(3600)).record(
                    self.ack(id, message: "first"), action: "sell")
            }
            let again = SQLiteFinishedCommands(store: try AgentStore.open(path: path), retention: .seconds(3600))
            #expect(try await again.ack(for: id)?.message == "first")
            #expect(try await again.ack(for: id.uppercased())?.message == "first", "ids compare in either case")
            #expect(try await again.ack(for: UUID().uuidString.lowercased()) == nil)
            #expect(try await again.lastFinishedCommandID() == id)
        }
    }

    @Test func readsAreNotRecordedButWhatChangesTheAgentIs() async throws {
        try await TemporaryDirectory.with { directory in
            let store = try AgentStore.open(path: directory.path("agent.sqlite"))
            let finished = SQLiteFinishedCommands(store: store, retention: .seconds(3600))
            let handler = CommandHandler(
                state: AgentState(), exchange: try PaperExchange.inMemory(configuration: PaperExchangeConfiguration()), finished: finished
            )
            func command(_ action: Commandhub_V1_Command.OneOf_Action) -> Commandhub_V1_Command {
                var command = Commandhub_V1_Command()
                command.commandID = UUID().uuidString.lowercased()
                command.issuedAtMs = WireTime.nowMilliseconds()
                command.deadlineMs = command.issuedAtMs + 60_000
                command.action = action
                return command
            }
            let ping = command(.ping(.init()))
            #expect(await handler.handle(ping).success)
            #expect(await handler.handle(command(.requestStatus(.init()))).success)
            #expect(try finished.count() == 0, "a ping or a status read changes nothing that must not run twice")
            #expect(await !handler.handle(ping).replayed, "so a repeated read runs again")
            let pause = command(.pause(.init()))
            #expect(await handler.handle(pause).success)
            #expect(try finished.count() == 1)
            #expect(await handler.handle(pause).replayed)
        }
    }
}
