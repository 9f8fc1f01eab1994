import Foundation
import HubCore
import Wire

/// What one session does with the messages its agent sends, whatever carries them: the first
/// must be `Hello`; then acks, heartbeats and wallet snapshots go to the session and the link;
/// floods of what nobody asked for end the session. Also decides when a silent agent's session
/// ends (the Hello timeout, then the liveness timeout).
///
/// Confined to its stream: one caller at a time (the stream handler on its event loop).
struct SessionReader {
    let link: AgentLink
    let session: AgentSession
    private var floodGuard: FloodGuard

    init(link: AgentLink, session: AgentSession) {
        self.link = link
        self.session = session
        self.floodGuard = FloodGuard(heartbeatInterval: link.settings.heartbeatInterval)
    }

    /// Handles one message. Returns the `Welcome` to write when it was an accepted Hello; the
    /// caller writes it, then attaches the session (`AgentLink.attach`).
    mutating func receive(_ message: Commandhub_V1_AgentMessage) -> Commandhub_V1_HubMessage? {
        let link = self.link
        let session = self.session
        let now = link.clock.now
        if case .heartbeat(let heartbeat) = message.kind {
            session.touch(at: Date(), monotonicNow: now, heartbeat: heartbeat)
        } else {
            session.touch(at: Date(), monotonicNow: now)
        }
        guard session.phase == .active else {
            guard case .hello(let hello) = message.kind else {
                session.end(.closedByHub(.helloRequired(got: message.kind.map(AgentLink.name(of:)) ?? "an empty message")))
                return nil
            }
            return self.hello(hello)
        }
        switch message.kind {
        case .ack(let ack):
            if !link.received(ack, on: session), self.floodGuard.unasked(at: now) {
                session.end(.closedByHub(.flooding("acks for commands the hub did not send")))
            }
        case .heartbeat:
            link.registry.updated(session)
            if self.floodGuard.heartbeat(at: now) {
                session.end(
                    .closedByHub(.flooding("heartbeats: the hub asked for one every \(link.settings.heartbeatInterval.secondsText)s")))
            }
        case .walletSnapshot(let snapshot):
            if self.floodGuard.walletSnapshot(at: now) {
                session.end(.closedByHub(.flooding("wallet snapshots")))
            } else {
                link.received(snapshot, on: session)
            }
        case .hello, nil:
            // A second Hello is ignored (identity is fixed per stream); an unknown message from a
            // newer agent counts as liveness only — unless there are floods of them.
            if self.floodGuard.unasked(at: now) {
                session.end(.closedByHub(.flooding("messages the hub did not ask for")))
            }
        }
        return nil
    }

    /// Validates the Hello and activates the session; the Welcome to answer, nil if refused.
    private func hello(_ hello: Commandhub_V1_Hello) -> Commandhub_V1_HubMessage? {
        let identity: AgentIdentity
        do {
            identity = try AgentIdentity(hello: hello)
        } catch {
            self.session.end(.closedByHub(error))
            return nil
        }
        guard self.session.activate(identity, status: hello.status, at: Date()) else { return nil }
        var welcome = Commandhub_V1_HubMessage()
        welcome.welcome.sessionID = self.session.sessionID.lowercased
        welcome.welcome.heartbeatIntervalMs = self.link.settings.heartbeatInterval.wholeMilliseconds
        welcome.welcome.livenessTimeoutMs = self.link.settings.livenessTimeout.wholeMilliseconds
        welcome.welcome.serverTimeMs = WireTime.nowMilliseconds()
        return welcome
    }

    /// The watchdog's verdict now: the session ended (past the Hello timeout before its Hello,
    /// past the liveness timeout after), or how long until it must look again.
    func watchdog() -> Duration? {
        let settings = self.link.settings
        let now = self.link.clock.now
        let awaitingHello = self.session.phase == .awaitingHello
        let lastSeen = self.session.lastSeenOffset
        let limit = awaitingHello ? settings.helloTimeout : settings.livenessTimeout
        if now >= lastSeen + limit {
            self.session.end(.closedByHub(awaitingHello ? .helloTimeout(limit) : .livenessTimeout(limit)))
            return nil
        }
        // While the Hello is pending, wake no later than the (shorter) liveness limit would need.
        let wake = lastSeen + (awaitingHello ? min(limit, settings.livenessTimeout) : limit)
        return max(wake - now, .milliseconds(1))
    }
}
