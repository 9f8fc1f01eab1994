import HubCore

/// Counts what an agent sends that nobody asked for — acks for commands the hub never sent or
/// already forgot, heartbeats far faster than the interval the hub asked for, second Hellos,
/// messages of unknown kinds, wallet snapshots closer than 100 ms — and says when it is too
/// much: more than `limit` in one `window`. A well-behaved agent sends none of these (a late ack
/// of a command that timed out is not counted); a runaway or hostile one is cut off before it
/// costs others anything.
package struct FloodGuard {
    package let limit: Int
    package let window: Duration
    /// Heartbeats closer together than this count as unasked-for.
    package let minimumHeartbeatSpacing: Duration
    private var windowStart: Duration = .zero
    private var count = 0
    private var lastHeartbeat: Duration?
    private var lastSnapshot: Duration?

    package init(limit: Int = 200, window: Duration = .seconds(1), heartbeatInterval: Duration) {
        self.limit = limit
        self.window = window
        self.minimumHeartbeatSpacing = heartbeatInterval / 10
    }

    /// Counts one unasked-for message at `now`; true once the window's budget is spent.
    package mutating func unasked(at now: Duration) -> Bool {
        if now - self.windowStart >= self.window {
            self.windowStart = now
            self.count = 0
        }
        self.count += 1
        return self.count > self.limit
    }

    /// Counts a wallet snapshot at `now` if it came within 100 ms of the previous one (an agent
    /// sends one per sync interval and one after each fill; each replaces stored balances).
    package mutating func walletSnapshot(at now: Duration) -> Bool {
        defer { self.lastSnapshot = now }
        guard let last = self.lastSnapshot, now - last < .milliseconds(100) else { return false }
        return self.unasked(at: now)
    }

    /// Counts a heartbeat at `now` if it came too soon after the previous one.
    package mutating func heartbeat(at now: Duration) -> Bool {
        defer { self.lastHeartbeat = now }
        guard let last = self.lastHeartbeat, now - last < self.minimumHeartbeatSpacing else { return false }
        return self.unasked(at: now)
    }
}
