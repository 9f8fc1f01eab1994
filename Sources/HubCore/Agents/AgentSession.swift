import Foundation
import Synchronization
import Wire

/// What a session needs from the stream it runs on: the link's stream handler, or a queue in
/// unit tests.
///
/// Contract: both calls may come from any thread and never block. `write` puts one command on
/// the stream, then calls `session.written(_:succeeded:)` once the write is done or failed —
/// never before the frame is built. `finish` is called exactly once, by `AgentSession.end`, and
/// ends the stream with `reason` as its status (a trailers-only refusal when `accepted` is false).
package protocol SessionStream: Sendable {
    func write(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession)
    func finish(_ reason: SessionEnd, accepted: Bool)
}

/// Who is told, exactly once, that an accepted session ended: the link, which takes it out of
/// the registry, fails its waiting commands and forgets it.
package protocol SessionObserver: Sendable {
    func sessionEnded(_ session: AgentSession)
    /// A command queued on `session` was written to its stream (`succeeded`) or could not be.
    func commandWritten(_ id: UUID, on session: AgentSession, succeeded: Bool)
}

/// One agent stream, from its request headers to its end, and what the hub knows of the agent
/// while it lasts. The session is the one owner of the stream's life: its `Phase` is the only
/// state machine, and `end` is the only way out, whoever asks (the agent, the hub, a failure).
///
/// Threading: the stream handler drives it from the stream's event loop; any task may
/// `enqueue` commands, read its state, or `end` it. Every state change happens under one small
/// lock; writes happen on the stream's event loop.
package final class AgentSession: Sendable {
    /// The life of one stream; `ended` is terminal and keeps the first reason.
    package enum Phase: Sendable, Equatable {
        /// Open, its request headers not yet accepted.
        case awaitingHeaders
        /// Authenticated; its first message must be `Hello`.
        case awaitingHello
        /// Identified: the agent's live session; commands flow.
        case active
        case ended(SessionEnd)
    }

    /// What `enqueue` did with a command.
    package enum EnqueueResult: Sendable, Equatable {
        case queued
        case closed
        case full
    }

    private struct State {
        var phase: Phase = .awaitingHeaders
        var credential: AgentCredential?
        var identity: AgentIdentity?
        var live: LiveStatus
        var lastSeenOffset: Duration
        /// Commands handed to the stream and not yet written.
        var unwritten = 0
    }

    package let sessionID = UUID.random()
    package let remotePeer: String
    package let outboxCapacity: Int
    private let stream: any SessionStream
    private let observer: any SessionObserver
    private let state: Mutex<State>

    package init(
        remotePeer: String, outboxCapacity: Int, stream: any SessionStream, observer: any SessionObserver,
        now: Date, monotonicNow: Duration
    ) {
        self.remotePeer = remotePeer
        self.outboxCapacity = outboxCapacity
        self.stream = stream
        self.observer = observer
        self.state = Mutex(
            State(
                live: LiveStatus(status: .unspecified, lastSeen: now, connectedAt: now),
                lastSeenOffset: monotonicNow
            ))
    }

    package var phase: Phase { self.state.withLock { $0.phase } }

    /// The credential the stream authenticated with, once accepted.
    package var credential: AgentCredential? { self.state.withLock { $0.credential } }

    /// The agent's identity once its `Hello` was accepted (kept after the end).
    package var identity: AgentIdentity? { self.state.withLock { $0.identity } }

    /// The agent's current status, as its Hello, last heartbeat or last ack said.
    package var status: Commandhub_V1_AgentStatus { self.state.withLock { $0.live.status } }

    /// Why the session ended, once it has.
    package var endReason: SessionEnd? {
        if case .ended(let reason) = self.phase { return reason }
        return nil
    }

    // MARK: Transitions

    /// `awaitingHeaders → awaitingHello`: the call is accepted as `credential`. False if it was
    /// not waiting for its headers (already accepted, or ended).
    package func accept(_ credential: AgentCredential, monotonicNow: Duration) -> Bool {
        self.state.withLock { state -> Bool in
            guard state.phase == .awaitingHeaders else { return false }
            state.phase = .awaitingHello
            state.credential = credential
            state.lastSeenOffset = monotonicNow
            return true
        }
    }

    /// `awaitingHello → active`: the `Hello` counts as the agent's first heartbeat. The
    /// credential's labels are merged under the agent's own. False if the session was not
    /// waiting for its Hello.
    package func activate(_ identity: AgentIdentity, status: Commandhub_V1_AgentStatus, at now: Date) -> Bool {
        self.state.withLock { state -> Bool in
            guard state.phase == .awaitingHello else { return false }
            var identity = identity
            identity.labels = (state.credential?.labels ?? [:]).merging(identity.labels) { _, own in own }
            state.phase = .active
            state.identity = identity
            state.live.status = status == .unspecified ? .active : status
            state.live.lastHeartbeat = now
            return true
        }
    }

    /// Ends the session — the one place that does: `→ ended(reason)`; the first reason wins.
    /// The observer learns it once (the session leaves the registry, its waiting commands fail),
    /// then the stream is finished with the reason as its status. Returns true if this call
    /// ended it.
    @discardableResult
    package func end(_ reason: SessionEnd) -> Bool {
        let previous = self.state.withLock { state -> Phase in
            let previous = state.phase
            if case .ended = previous { return previous }
            state.phase = .ended(reason)
            return previous
        }
        if case .ended = previous { return false }
        let accepted = previous != .awaitingHeaders
        if accepted { self.observer.sessionEnded(self) }
        self.stream.finish(reason, accepted: accepted)
        return true
    }

    // MARK: Commands

    /// Hands a command to the stream. Never blocks: a session that is not active or a full
    /// outbox (too many commands not yet written — the agent is not reading) fails fast.
    package func enqueue(_ command: Commandhub_V1_Command, id: UUID) -> EnqueueResult {
        let result = self.state.withLock { state -> EnqueueResult in
            guard state.phase == .active else { return .closed }
            guard state.unwritten < self.outboxCapacity else { return .full }
            state.unwritten += 1
            return .queued
        }
        if result == .queued { self.stream.write(command, id: id, session: self) }
        return result
    }

    /// Called by the stream once a queued command's write is done (or failed): frees its slot
    /// and tells the observer.
    package func written(_ id: UUID, succeeded: Bool) {
        self.state.withLock { $0.unwritten = max(0, $0.unwritten - 1) }
        self.observer.commandWritten(id, on: self, succeeded: succeeded)
    }

    // MARK: What the agent says

    /// Records that a message arrived (liveness); heartbeats also update the live status.
    package func touch(at now: Date, monotonicNow: Duration, heartbeat: Commandhub_V1_Heartbeat? = nil) {
        self.state.withLock { state in
            state.lastSeenOffset = monotonicNow
            state.live.lastSeen = now
            if let heartbeat {
                state.live.apply(heartbeat)
                state.live.lastHeartbeat = now
            }
        }
    }

    /// Records a wallet sync the agent reported (a `WalletSnapshot`): how many wallets, and when.
    package func recordSync(wallets: Int, at syncedAt: Date) {
        self.state.withLock { state in
            state.live.walletsSynced = wallets
            state.live.lastSync = max(state.live.lastSync ?? syncedAt, syncedAt)
        }
    }

    /// Records what an ack says about the agent: its status, and its counters when the ack
    /// carries them. Returns whether the agent's live state changed.
    @discardableResult
    package func apply(_ ack: Commandhub_V1_CommandAck) -> Bool {
        guard ack.status != .unspecified || ack.hasAgentState else { return false }
        return self.state.withLock { state -> Bool in
            let before = state.live
            if ack.status != .unspecified { state.live.status = ack.status }
            if ack.hasAgentState { state.live.apply(ack.agentState) }
            return state.live != before
        }
    }

    /// Monotonic time of the last message received.
    package var lastSeenOffset: Duration { self.state.withLock { $0.lastSeenOffset } }

    /// A copy for the registry and the REST API; `nil` before `Hello`.
    package func snapshot(connected: Bool = true) -> AgentSnapshot? {
        self.state.withLock { state in
            guard let identity = state.identity else { return nil }
            return AgentSnapshot(
                identity: identity, connected: connected, status: state.live.status,
                walletsSynced: state.live.walletsSynced, syncRequests: state.live.syncRequests,
                inFlight: state.live.inFlight, lastSync: state.live.lastSync,
                lastHeartbeat: state.live.lastHeartbeat, lastSeen: state.live.lastSeen,
                connectedAt: state.live.connectedAt,
                sessionID: connected ? self.sessionID : nil, remotePeer: connected ? self.remotePeer : nil,
                credentialName: state.credential?.name
            )
        }
    }
}

/// Why a session ended. Maps to the gRPC status the agent sees.
package enum SessionEnd: Sendable, Equatable {
    /// The agent closed its side of the stream.
    case agentClosed
    /// The stream failed (transport error, oversized or undecodable message).
    case streamFailed(String)
    /// The hub ended it (or refused the call) for a reason the agent is told.
    case closedByHub(HubError)

    package var description: String {
        switch self {
        case .agentClosed: "agent closed the stream"
        case .streamFailed(let why): "stream failed: \(why)"
        case .closedByHub(let error): error.message
        }
    }
}
