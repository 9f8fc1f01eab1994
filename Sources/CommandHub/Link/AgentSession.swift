import Foundation
import Synchronization
import Wire

/// Where a session's commands go: the agent's gRPC stream (`AgentStreamHandler`), or an
/// in-memory queue in unit tests.
///
/// Contract: `send` may be called from any thread and must not block; it writes the command
/// (marking it sent with the dispatcher) and calls `session.written()` once the write is done.
/// `end` is called once, after the session closed, to put the reason on the stream.
protocol SessionOutput: Sendable {
    func send(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession)
    func end(_ reason: SessionEnd)
}

/// One agent's connection: what the hub knows of it, and the way to its stream.
///
/// Created when a stream is accepted, before its `Hello`. Any task may `enqueue` commands, read
/// its state or `close` it; the stream handler owns the stream and reports what arrives. State
/// changes are serialized by one small lock; writes happen on the stream's event loop.
public final class AgentSession: Sendable {
    /// The lifecycle of a session; `closed` is terminal and keeps the first reason.
    enum Phase: Sendable {
        case awaitingHello
        case active
        case closed(SessionEnd)
    }

    /// What `enqueue` did with a command.
    enum EnqueueResult: Sendable, Equatable {
        case queued
        case closed
        case full
    }

    private struct State {
        var phase: Phase = .awaitingHello
        var identity: AgentIdentity?
        var live: LiveStatus
        var lastSeenOffset: Duration
        /// Commands handed to the output and not yet written.
        var unwritten = 0
    }

    public let sessionID = UUID()
    public let remotePeer: String
    /// The credential the stream authenticated with.
    public let credential: AgentCredential
    let outboxCapacity: Int
    private let output: any SessionOutput
    private let state: Mutex<State>

    init(
        remotePeer: String, credential: AgentCredential, outboxCapacity: Int, output: any SessionOutput,
        now: Date, monotonicNow: Duration
    ) {
        self.remotePeer = remotePeer
        self.credential = credential
        self.outboxCapacity = outboxCapacity
        self.output = output
        self.state = Mutex(State(
            live: LiveStatus(status: .unspecified, lastSeen: now, connectedAt: now),
            lastSeenOffset: monotonicNow
        ))
    }

    /// The agent's identity once its `Hello` was accepted.
    public var identity: AgentIdentity? { self.state.withLock { $0.identity } }

    /// The agent's current status, as its Hello, last heartbeat or last ack said.
    var status: Commandhub_V1_AgentStatus { self.state.withLock { $0.live.status } }

    /// Why the session ended, once it has.
    var endReason: SessionEnd? {
        self.state.withLock { state in
            if case .closed(let reason) = state.phase { return reason }
            return nil
        }
    }

    /// Accepts the `Hello`: `awaitingHello → active`. Returns false if the session already closed.
    func activate(_ identity: AgentIdentity, status: Commandhub_V1_AgentStatus) -> Bool {
        self.state.withLock { state -> Bool in
            guard case .awaitingHello = state.phase else { return false }
            state.phase = .active
            state.identity = identity
            state.live.status = status == .unspecified ? .active : status
            return true
        }
    }

    /// Hands a command to the stream. Never blocks: a closed session or a full outbox (too many
    /// commands not yet written — the agent is not reading) fails fast.
    func enqueue(_ command: Commandhub_V1_Command, id: UUID) -> EnqueueResult {
        let result = self.state.withLock { state -> EnqueueResult in
            if case .closed = state.phase { return .closed }
            guard state.unwritten < self.outboxCapacity else { return .full }
            state.unwritten += 1
            return .queued
        }
        if result == .queued { self.output.send(command, id: id, session: self) }
        return result
    }

    /// Called by the output once a queued command has been written (or dropped).
    func written() {
        self.state.withLock { $0.unwritten = max(0, $0.unwritten - 1) }
    }

    /// Ends the session: `→ closed(reason)`; the first reason wins and is put on the stream.
    /// Returns true if this call closed it.
    @discardableResult
    func close(_ reason: SessionEnd) -> Bool {
        let closed = self.state.withLock { state -> Bool in
            if case .closed = state.phase { return false }
            state.phase = .closed(reason)
            return true
        }
        if closed { self.output.end(reason) }
        return closed
    }

    /// Records that a message arrived (liveness); heartbeats also update the live status.
    func touch(at now: Date, monotonicNow: Duration, heartbeat: Commandhub_V1_Heartbeat? = nil) {
        self.state.withLock { state in
            state.lastSeenOffset = monotonicNow
            state.live.lastSeen = now
            if let heartbeat {
                state.live.apply(heartbeat)
                state.live.lastHeartbeat = now
            }
        }
    }

    /// Records what an ack says about the agent: its status, and its counters when the ack
    /// carries them. Returns whether anything was recorded.
    @discardableResult
    func apply(_ ack: Commandhub_V1_CommandAck) -> Bool {
        guard ack.status != .unspecified || ack.hasAgentState else { return false }
        self.state.withLock { state in
            if ack.status != .unspecified { state.live.status = ack.status }
            if ack.hasAgentState { state.live.apply(ack.agentState) }
        }
        return true
    }

    /// Monotonic time of the last message received.
    var lastSeenOffset: Duration { self.state.withLock { $0.lastSeenOffset } }

    /// A copy for the registry and the REST API; `nil` before `Hello`.
    func snapshot(connected: Bool = true) -> AgentSnapshot? {
        self.state.withLock { state in
            guard let identity = state.identity else { return nil }
            return AgentSnapshot(
                identity: identity, connected: connected, status: state.live.status,
                walletsSynced: state.live.walletsSynced, syncRequests: state.live.syncRequests,
                inFlight: state.live.inFlight, lastSync: state.live.lastSync,
                lastHeartbeat: state.live.lastHeartbeat, lastSeen: state.live.lastSeen,
                connectedAt: state.live.connectedAt,
                sessionID: connected ? self.sessionID : nil, remotePeer: connected ? self.remotePeer : nil,
                credentialName: self.credential.name
            )
        }
    }
}

/// Why a session ended. Maps to the gRPC status the agent sees.
enum SessionEnd: Sendable, Equatable {
    /// The agent closed its side of the stream.
    case agentClosed
    /// The stream failed (transport error, oversized or undecodable message).
    case streamFailed(String)
    /// The hub ended it for a reason the agent is told.
    case closedByHub(HubError)

    var description: String {
        switch self {
        case .agentClosed: "agent closed the stream"
        case .streamFailed(let why): "stream failed: \(why)"
        case .closedByHub(let error): error.message
        }
    }
}
