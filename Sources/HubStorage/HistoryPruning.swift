import DaemonSupport
import Foundation
import Logging
import ServiceLifecycle

/// Retention as a service, whatever the store: `prune(now:)` at start-up and then hourly, the
/// rows it removed logged, a failure logged and tried again the next hour. `StoreMaintenance`
/// (SQLite) and PostgreSQL's maintenance say only how to prune and how to describe a failure.
package protocol HistoryPruning: Service {
    var logger: Logger { get }
    /// Deletes what is past retention; returns how many rows went.
    func prune(now: Date) async throws -> Int
    /// One line for an error `prune` threw.
    func describe(_ error: any Error) -> String
}

extension HistoryPruning {
    package func run() async throws {
        try await runUntilGracefulShutdown {
            while true {
                do {
                    let pruned = try await self.prune(now: Date())
                    if pruned > 0 { self.logger.info("pruned old history", metadata: ["rows": "\(pruned)"]) }
                } catch {
                    self.logger.warning("history pruning failed", metadata: ["error": "\(self.describe(error))"])
                }
                try await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
