import DaemonSupport
import Foundation
import Logging
import ServiceLifecycle
import Wire

/// Asks reconnecting agents what became of their commands whose outcome the hub never learned,
/// and records the answers. Lookups can never execute anything (`lookup_only`): the agent
/// answers from its record of finished commands, or refuses with `not_executed` and will never
/// execute that id.
///
/// One service with bounded concurrency: agents are queued as their `Hello` is accepted
/// (`agentConnected`), so a reconnect storm of thousands queues lookups instead of spawning
/// tasks; each agent's lookups run at most `lookupsPerAgent` at a time. Commands sent meanwhile
/// are served as usual.
package final class Reconciler: Service {
    package let history: any UnresolvedCommands
    package let dispatcher: CommandDispatcher
    /// How far back to look.
    package let window: Duration
    package let timeout: Duration
    package let concurrency: Int
    package let lookupsPerAgent: Int
    package let logger: Logger
    private let agents: AsyncStream<UUID>
    private let continuation: AsyncStream<UUID>.Continuation

    package init(
        history: any UnresolvedCommands, dispatcher: CommandDispatcher, window: Duration, timeout: Duration,
        concurrency: Int = 32, lookupsPerAgent: Int = 8, logger: Logger
    ) {
        self.history = history
        self.dispatcher = dispatcher
        self.window = window
        self.timeout = timeout
        self.concurrency = concurrency
        self.lookupsPerAgent = lookupsPerAgent
        self.logger = logger
        (self.agents, self.continuation) = AsyncStream.makeStream(of: UUID.self)
    }

    /// Queues a lookup round for an agent whose Hello was just accepted.
    package func agentConnected(_ agentID: UUID) {
        self.continuation.yield(agentID)
    }

    package func run() async throws {
        try await runUntilGracefulShutdown {
            await self.agents.forEachConcurrently(limit: self.concurrency) { agentID in
                await self.reconcile(agentID)
            }
        }
    }

    /// Looks up every unresolved command of one agent.
    package func reconcile(_ agentID: UUID) async {
        let unresolved: [UUID]
        do {
            unresolved = try await self.history.unresolved(agentID: agentID, since: Date().addingTimeInterval(-self.window.seconds))
        } catch {
            self.logger.warning("could not read unresolved commands", metadata: ["agent_id": "\(agentID.lowercased)", "error": "\(error)"])
            return
        }
        guard !unresolved.isEmpty else { return }
        let answered = await unresolved.concurrentMap(limit: self.lookupsPerAgent) { id in
            await self.dispatcher.lookUp(id, on: agentID, timeout: self.timeout) != nil
        }.count { $0 == true }
        self.logger.info(
            "reconciled commands with agent",
            metadata: [
                "agent_id": "\(agentID.lowercased)", "unresolved": "\(unresolved.count)", "answered": "\(answered)",
            ])
    }
}
