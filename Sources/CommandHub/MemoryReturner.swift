import DaemonSupport
import ServiceLifecycle

#if os(Linux)
    import CMalloc
#endif

/// Gives memory freed after a load back to the system. glibc's allocator keeps freed pages of
/// its arenas (one per thread that allocated) until told otherwise, so a hub that served a
/// reconnect storm or a burst of bulk actions would keep its peak RSS for good. Once a minute,
/// off every event loop, `malloc_trim(0)` returns the free pages; it costs well under a
/// millisecond on an idle heap and does nothing where there is nothing to return.
package struct MemoryReturner: Service {
    package let interval: Duration

    package init(interval: Duration = .seconds(60)) {
        self.interval = interval
    }

    package func run() async throws {
        try await runUntilGracefulShutdown {
            while true {
                try await Task.sleep(for: self.interval)
                Self.returnFreePages()
            }
        }
    }

    /// Returns the allocator's free pages to the system now.
    package static func returnFreePages() {
        #if os(Linux)
            _ = malloc_trim(0)
        #endif
    }
}
