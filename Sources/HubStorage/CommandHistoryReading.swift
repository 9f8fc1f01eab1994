import Foundation
import HubCore

/// The reads of the command log the REST API and the reconciler make, whichever store holds it
/// (`CommandHistory` for SQLite; PostgreSQL has its own). Pages walk the log's insertion
/// sequence towards older commands, newest first.
package protocol CommandHistoryReading: UnresolvedCommands {
    func page(_ filter: CommandHistory.Filter) async throws(HubError) -> CommandHistory.Page
    func command(_ id: UUID) async throws(HubError) -> CommandHistory.Entry?
    func job(_ id: UUID) async throws(HubError) -> CommandHistory.Job?
    func unresolved(agentID: UUID, since: Date, limit: Int) async throws(HubError) -> [UUID]
    func countsByActionAndState() async throws(HubError) -> [(action: String, state: String, count: Int)]
    func countsByState(since: Date?) async throws(HubError) -> [String: Int]
}

extension CommandHistoryReading {
    package func countsByState() async throws(HubError) -> [String: Int] {
        try await self.countsByState(since: nil)
    }
}

extension CommandHistory: CommandHistoryReading {}
