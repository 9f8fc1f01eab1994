import Foundation
import Synchronization
import Wire

/// The agent's status machine and counters, shared by the command handlers, the periodic
/// sync and the heartbeat.
///
/// Transitions (one place): `ACTIVE —pause→ PAUSED —resume→ ACTIVE`;
/// `ACTIVE —beginSync→ SYNCING —endSync→ ACTIVE`; pausing while SYNCING wins: the sync ends
/// into `PAUSED`. While `PAUSED` no sync starts and sells are refused.
public final class AgentState: Sendable {
    public enum Status: String, Sendable {
        case active = "ACTIVE"
        case paused = "PAUSED"
        case syncing = "SYNCING"

        var wire: Commandhub_V1_AgentStatus {
            switch self {
            case .active: .active
            case .paused: .paused
            case .syncing: .syncing
            }
        }
    }

    /// A consistent copy of the counters.
    public struct Snapshot: Sendable, Equatable {
        public var status: Status
        public var walletsSynced: Int
        public var syncRequests: UInt64
        public var lastSync: Date?
        public var commandsHandled: UInt64
        public var commandsFailed: UInt64
        public var inFlight: Int
        public var startedAt: Date
    }

    private struct State {
        var paused = false
        var syncsRunning = 0
        var walletsSynced = 0
        var syncRequests: UInt64 = 0
        var lastSync: Date?
        var commandsHandled: UInt64 = 0
        var commandsFailed: UInt64 = 0
        var inFlight = 0
        let startedAt = Date()

        var status: Status { self.paused ? .paused : (self.syncsRunning > 0 ? .syncing : .active) }
    }

    private let state: Mutex<State>

    public init(paused: Bool = false) {
        var state = State()
        state.paused = paused
        self.state = Mutex(state)
    }

    public var status: Status { self.state.withLock { $0.status } }

    public var snapshot: Snapshot {
        self.state.withLock { state in
            Snapshot(
                status: state.status, walletsSynced: state.walletsSynced, syncRequests: state.syncRequests,
                lastSync: state.lastSync, commandsHandled: state.commandsHandled, commandsFailed: state.commandsFailed,
                inFlight: state.inFlight, startedAt: state.startedAt
            )
        }
    }

    /// `→ PAUSED`. Returns false if it already was.
    @discardableResult
    public func pause() -> Bool {
        self.state.withLock { state in
            defer { state.paused = true }
            return !state.paused
        }
    }

    /// `PAUSED → ACTIVE` (or SYNCING if a sync is still running). Returns false if not paused.
    @discardableResult
    public func resume() -> Bool {
        self.state.withLock { state in
            defer { state.paused = false }
            return state.paused
        }
    }

    /// Starts a sync unless paused: `ACTIVE → SYNCING`. `requested` counts hub-requested syncs.
    public func beginSync(requested: Bool) throws(AgentError) {
        try self.state.withLock { (state: inout State) throws(AgentError) in
            guard !state.paused else { throw .paused }
            state.syncsRunning += 1
            if requested { state.syncRequests += 1 }
        }
    }

    /// Ends a sync: `SYNCING → ACTIVE` once none runs; records the wallets seen.
    public func endSync(walletsSynced: Int?, at date: Date = Date()) {
        self.state.withLock { state in
            state.syncsRunning = max(0, state.syncsRunning - 1)
            if let walletsSynced {
                state.walletsSynced = walletsSynced
                state.lastSync = date
            }
        }
    }

    /// Marks a command started; pair with `commandFinished`.
    func commandStarted() {
        self.state.withLock { $0.inFlight += 1 }
    }

    func commandFinished(success: Bool) {
        self.state.withLock { state in
            state.inFlight = max(0, state.inFlight - 1)
            state.commandsHandled += 1
            if !success { state.commandsFailed += 1 }
        }
    }

    /// The heartbeat describing this state.
    func heartbeat() -> Commandhub_V1_Heartbeat {
        let snapshot = self.snapshot
        var heartbeat = Commandhub_V1_Heartbeat()
        heartbeat.status = snapshot.status.wire
        heartbeat.walletsSynced = UInt32(clamping: snapshot.walletsSynced)
        heartbeat.inFlight = UInt32(clamping: snapshot.inFlight)
        heartbeat.syncRequests = snapshot.syncRequests
        heartbeat.lastSyncMs = snapshot.lastSync.map(WireTime.milliseconds) ?? 0
        heartbeat.sentAtMs = WireTime.nowMilliseconds()
        return heartbeat
    }
}
