import Foundation

/// Reads a pipe until end of file on a thread of its own, handing each chunk to `onData` and
/// calling `onEnd` once at the end.
///
/// Not `FileHandle.readabilityHandler`: on Linux, several handlers set up and torn down at once
/// corrupt libdispatch's epoll bookkeeping and crash the process in `_dispatch_event_loop_drain`
/// (swift-corelibs-libdispatch#949) — which parallel tests with child processes do. A blocking
/// `read(2)` on a dedicated thread never touches dispatch.
public enum PipeReader {
    public static func start(
        _ handle: FileHandle, onData: @escaping @Sendable (Data) -> Void, onEnd: @escaping @Sendable () -> Void
    ) {
        let thread = Thread {
            let descriptor = handle.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count > 0 {
                    onData(Data(buffer[0..<count]))
                } else if count < 0, errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            try? handle.close()
            onEnd()
        }
        thread.name = "pipe-reader"
        thread.start()
    }
}
