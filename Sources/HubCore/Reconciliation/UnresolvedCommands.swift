import Foundation

/// The commands of an agent whose outcome the hub never learned: sent, then the stream died,
/// the deadline passed or the hub restarted. The command log answers it (`CommandHistory`).
package protocol UnresolvedCommands: Sendable {
    /// Ids of the agent's commands that ended without an answer after being sent, since `since`.
    func unresolved(agentID: UUID, since: Date) async throws -> [UUID]
}
