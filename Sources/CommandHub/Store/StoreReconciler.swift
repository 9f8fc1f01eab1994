import Foundation
import Logging
import Wire

/// Asks a reconnecting agent what became of its commands whose outcome the hub never learned
/// (sent, then the stream died, the deadline passed or the hub restarted), and writes the
/// agent's answer into the log. Lookups can never execute anything (`lookup_only`).
struct StoreReconciler: CommandReconciler {
    let history: CommandHistory
    let dispatcher: CommandDispatcher
    /// How far back to look.
    let window: Duration
    let timeout: Duration
    let logger: Logger

    func agentConnected(_ agentID: UUID) async {
        let unresolved: [UUID]
        do {
            unresolved = try await self.history.unresolved(agentID: agentID, since: Date().addingTimeInterval(-self.window.seconds))
        } catch {
            self.logger.warning("could not read unresolved commands", metadata: ["agent_id": "\(agentID.lowercased)", "error": "\(error)"])
            return
        }
        guard !unresolved.isEmpty else { return }
        var answered = 0
        await withTaskGroup(of: Bool.self) { group in
            var next = 0
            func launch() {
                let id = unresolved[next]
                next += 1
                group.addTask { await self.dispatcher.reconcile(id, with: agentID, timeout: self.timeout) != nil }
            }
            while next < unresolved.count, next < 8 { launch() }
            while let ok = await group.next() {
                if ok { answered += 1 }
                if next < unresolved.count { launch() }
            }
        }
        self.logger.info("reconciled commands with agent", metadata: [
            "agent_id": "\(agentID.lowercased)", "unresolved": "\(unresolved.count)", "answered": "\(answered)",
        ])
    }
}
