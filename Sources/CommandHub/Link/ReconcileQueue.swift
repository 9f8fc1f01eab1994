import Foundation
import ServiceLifecycle

/// Agents to reconcile after they said Hello, worked through by one service with bounded
/// concurrency — so a reconnect storm of thousands queues lookups instead of spawning tasks.
final class ReconcileQueue: Service {
    private let reconciler: any CommandReconciler
    private let concurrency: Int
    private let agents: AsyncStream<UUID>
    private let continuation: AsyncStream<UUID>.Continuation

    init(reconciler: any CommandReconciler, concurrency: Int = 32) {
        self.reconciler = reconciler
        self.concurrency = concurrency
        (self.agents, self.continuation) = AsyncStream.makeStream(of: UUID.self)
    }

    func enqueue(_ agentID: UUID) {
        self.continuation.yield(agentID)
    }

    func run() async throws {
        try await runUntilGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                var running = 0
                for await agentID in self.agents {
                    if running >= self.concurrency {
                        await group.next()
                        running -= 1
                    }
                    running += 1
                    group.addTask { await self.reconciler.agentConnected(agentID) }
                }
            }
        }
    }
}
