import DaemonSupport
import ServiceLifecycle

/// Runs the dispatcher's deadline sweeper as a lifecycle `Service`. It is started first and
/// stopped last, so commands still in flight during shutdown keep their deadlines.
struct DeadlineSweeper: Service {
    let dispatcher: CommandDispatcher

    func run() async throws {
        try await runUntilGracefulShutdown {
            await self.dispatcher.run()
        }
    }
}
