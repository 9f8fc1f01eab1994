#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process start-up hygiene for the daemons.
public enum ProcessSignals {
    /// Unblocks SIGTERM and SIGINT. A parent (a test runner, a supervisor's thread) may hand the
    /// process a signal mask with them blocked; a daemon must still stop on SIGTERM. Call first
    /// in `main`, before any thread starts (threads inherit the mask).
    public static func unblockTermination() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }
}
