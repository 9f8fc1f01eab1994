import DaemonSupport
import ServiceLifecycle

/// Runs the dispatcher's deadline sweeper as a lifecycle `Service`. It is started first and
/// stopped last, so commands still in flight during shutdown keep their deadlines.
package struct DeadlineSweeper: Service {
    package let dispatcher: CommandDispatcher

    package init(
        dispatcher: CommandDispatcher
    ) {
        self.dispatcher = dispatcher
    }

    package func run() async throws {
        try await runUntilGracefulShutdown {
            await self.dispatcher.run()
        }
    }
}
