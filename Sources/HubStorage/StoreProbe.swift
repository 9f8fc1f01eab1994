import DaemonSupport
import Foundation
import ServiceLifecycle

/// Asks the store every `interval` whether it is reachable and tells the writer
/// (`StoreWriter.probed`), so an unreachable PostgreSQL shows in `/readyz` and `/metrics` and
/// refuses new commands (503 `store_unavailable`) even while nothing is being written.
package struct StoreProbe: Service {
    package let writer: StoreWriter
    package let interval: Duration

    package init(writer: StoreWriter, interval: Duration) {
        self.writer = writer
        self.interval = interval
    }

    package func run() async throws {
        try await runUntilGracefulShutdown {
            while true {
                do {
                    try await self.writer.committer.ping()
                    self.writer.probed(nil)
                } catch is CancellationError {
                    return
                } catch {
                    self.writer.probed(error)
                }
                try await Task.sleep(for: self.interval)
            }
        }
    }
}
