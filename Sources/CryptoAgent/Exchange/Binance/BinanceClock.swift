import Synchronization

/// The offset between the exchange's clock and ours, so signed requests carry timestamps the
/// exchange accepts (within `recvWindow`, and not more than a second ahead).
///
/// The offset is measured from `GET /api/v3/time` against the midpoint of the round trip and is
/// stale after `refreshInterval`; a `-1021` answer (timestamp outside the window) forces a new
/// measurement. Contract: a small state holder; the client does the measuring.
package final class BinanceClock: Sendable {
    private struct State {
        var offsetMs: Int64 = 0
        var measuredAt: Int64?
    }

    private let state = Mutex(State())
    private let refreshIntervalMs: Int64
    private let time: any BinanceTime

    package init(refreshInterval: Duration, time: any BinanceTime) {
        self.refreshIntervalMs = refreshInterval.components.seconds * 1000 + refreshInterval.components.attoseconds / 1_000_000_000_000_000
        self.time = time
    }

    /// The exchange's time now, as far as we know it, in milliseconds since 1970.
    package var exchangeNow: Int64 {
        self.time.nowMilliseconds() + self.state.withLock { $0.offsetMs }
    }

    package var offsetMs: Int64 { self.state.withLock { $0.offsetMs } }

    /// Whether the offset was never measured or is older than the refresh interval.
    package var isStale: Bool {
        let now = self.time.nowMilliseconds()
        return self.state.withLock { state in
            guard let measuredAt = state.measuredAt else { return true }
            return now - measuredAt >= self.refreshIntervalMs
        }
    }

    /// Records a measurement: the exchange said `serverTime` during a round trip that left at
    /// `sentAt` and came back at `receivedAt` (local milliseconds).
    package func record(serverTime: Int64, sentAt: Int64, receivedAt: Int64) {
        let midpoint = sentAt + (receivedAt - sentAt) / 2
        self.state.withLock { state in
            state.offsetMs = serverTime - midpoint
            state.measuredAt = receivedAt
        }
    }

    /// Forgets the measurement, so the next signed request measures first.
    package func invalidate() {
        self.state.withLock { $0.measuredAt = nil }
    }
}
