import ArgumentParser
import CryptoAgent
import DaemonSupport
import Foundation
import Wire

/// The agent's state file and exchange, opened for a local command (`status`, `wallets`,
/// `sell`) — also while the daemon runs on the same file (SQLite WAL serializes the writers).
/// A Binance exchange is reached with the same keys and order journal as the daemon's.
struct LocalState {
    let configuration: AgentConfiguration
    let store: AgentStore
    let exchange: any ExchangeConnector

    static func open(_ options: AgentOptions) async throws -> LocalState {
        let configuration = try await options.load()
        let store: AgentStore
        do {
            store = try AgentStore.open(path: configuration.statePath)
        } catch {
            throw Failure.store(error.description)
        }
        do {
            let exchange = try await ExchangeConnectors.open(configuration, store: store)
            return LocalState(configuration: configuration, store: store, exchange: exchange)
        } catch {
            throw Failure.exchange(error)
        }
    }
}

/// Output for people (aligned tables) or scripts (`--json`).
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON for scripts instead of text.")
    var json = false

    func print(json value: Any, text: String) {
        if self.json,
            let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys])
        {
            Swift.print(String(decoding: data, as: UTF8.self))
        } else {
            Swift.print(text)
        }
    }
}

enum Table {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
