import ServiceLifecycle

/// Runs a service's body until graceful shutdown. The cancellation that shutdown causes is the
/// end the service was asked for, so it returns normally instead of failing its group; any
/// other error (or a cancellation that is not a shutdown) is thrown.
public func runUntilGracefulShutdown(_ body: @escaping @Sendable () async throws -> Void) async throws {
    do {
        try await cancelWhenGracefulShutdown(body)
    } catch is CancellationError where Task.isShuttingDownGracefully {
        return
    }
}
