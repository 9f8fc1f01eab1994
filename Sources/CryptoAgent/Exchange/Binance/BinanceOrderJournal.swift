import Foundation
import GRDB
import Synchronization
import Wire

/// Where the connector keeps its `BinanceOrderAttempt`s. Contract: `record` is durable when it
/// returns (the order is sent only after), and the latest record of an id wins.
package protocol BinanceOrderJournal: Sendable {
    func attempt(_ clientOrderID: String) async throws(AgentError) -> BinanceOrderAttempt?
    func record(_ attempt: BinanceOrderAttempt) async throws(AgentError)
}

/// A process-lifetime journal, for tests.
package final class InMemoryBinanceOrderJournal: BinanceOrderJournal {
    private let attempts = Mutex<[String: BinanceOrderAttempt]>([:])

    package init() {}

    package func attempt(_ clientOrderID: String) async throws(AgentError) -> BinanceOrderAttempt? {
        self.attempts.withLock { $0[clientOrderID] }
    }

    package func record(_ attempt: BinanceOrderAttempt) async throws(AgentError) {
        self.attempts.withLock { $0[attempt.clientOrderID] = attempt }
    }
}

/// The journal in the agent's SQLite file (`exchange_order`), which survives restarts.
package final class SQLiteBinanceOrderJournal: BinanceOrderJournal {
    let store: AgentStore

    package init(store: AgentStore) {
        self.store = store
    }

    package func attempt(_ clientOrderID: String) async throws(AgentError) -> BinanceOrderAttempt? {
        do {
            return try await self.store.pool.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM exchange_order WHERE client_order_id = ?", arguments: [clientOrderID]).map(
                    Self.attempt)
            }
        } catch {
            throw .store("cannot read the order journal: \(error)")
        }
    }

    package func record(_ attempt: BinanceOrderAttempt) async throws(AgentError) {
        var state = "sent"
        var code: String?
        var reason: String?
        var fill: String?
        switch attempt.state {
        case .sent: break
        case .filled(let filled):
            state = "filled"
            fill = Self.text(filled.journalFields)
        case .rejected(let rejectedCode, let message):
            state = "rejected"
            code = rejectedCode
            reason = message
        case .notPlaced: state = "not_placed"
        }
        do {
            try await self.store.pool.write { [state, code, reason, fill] db in
                try db.execute(
                    sql: """
                        INSERT INTO exchange_order
                            (client_order_id, symbol, asset, quantity, timestamp_ms, recv_window_ms, state, reason_code, reason, fill, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT(client_order_id) DO UPDATE SET timestamp_ms = excluded.timestamp_ms, state = excluded.state,
                            reason_code = excluded.reason_code, reason = excluded.reason, fill = excluded.fill, updated_at = excluded.updated_at
                        """,
                    arguments: [
                        attempt.clientOrderID, attempt.symbol, attempt.asset, DecimalText.format(attempt.quantity), attempt.timestampMs,
                        attempt.recvWindowMs,
                        state, code, reason, fill, Date().timeIntervalSince1970,
                    ]
                )
            }
        } catch {
            throw .store("cannot write the order journal: \(error)")
        }
    }

    private static func attempt(_ row: Row) -> BinanceOrderAttempt {
        var attempt = BinanceOrderAttempt(
            clientOrderID: row["client_order_id"], symbol: row["symbol"], asset: row["asset"],
            quantity: DecimalText.parse(row["quantity"]) ?? 0,
            timestampMs: row["timestamp_ms"], recvWindowMs: row["recv_window_ms"]
        )
        switch row["state"] as String {
        case "filled":
            // A record that cannot be read back is treated as unknown: the exchange is asked again.
            if let text: String = row["fill"], let fill = Self.fields(text).flatMap(SellFill.init(journalFields:)) {
                attempt.state = .filled(fill)
            }
        case "rejected": attempt.state = .rejected(code: row["reason_code"] ?? "order_rejected", message: row["reason"] ?? "")
        case "not_placed": attempt.state = .notPlaced
        default: attempt.state = .sent
        }
        return attempt
    }

    private static func text(_ fields: [String: String]) -> String? {
        (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
    }

    private static func fields(_ text: String) -> [String: String]? {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: String]
    }
}
