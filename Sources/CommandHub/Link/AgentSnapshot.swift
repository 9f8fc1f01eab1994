import Foundation
import Wire

/// A consistent copy of what the hub knows about one agent at one moment.
public struct AgentSnapshot: Sendable, Equatable {
    public var identity: AgentIdentity
    public var connected: Bool
    public var status: Commandhub_V1_AgentStatus
    public var walletsSynced: Int
    public var syncRequests: UInt64
    public var inFlight: Int
    public var lastSync: Date?
    public var lastHeartbeat: Date?
    public var lastSeen: Date
    public var connectedAt: Date
    public var sessionID: UUID?
    public var remotePeer: String?
    /// The credential the agent authenticated with (last time, when offline).
    public var credentialName: String?

    public var agentID: UUID { self.identity.agentID }
}

/// What heartbeats and acks tell the hub about an agent's state while it is connected.
struct LiveStatus: Sendable, Equatable {
    var status: Commandhub_V1_AgentStatus
    var walletsSynced: Int = 0
    var syncRequests: UInt64 = 0
    var inFlight: Int = 0
    var lastSync: Date?
    var lastHeartbeat: Date?
    var lastSeen: Date
    let connectedAt: Date

    /// Takes the agent's own counters (from a heartbeat, or the state an ack carries).
    mutating func apply(_ heartbeat: Commandhub_V1_Heartbeat) {
        if heartbeat.status != .unspecified { self.status = heartbeat.status }
        self.walletsSynced = Int(heartbeat.walletsSynced)
        self.syncRequests = heartbeat.syncRequests
        self.inFlight = Int(heartbeat.inFlight)
        self.lastSync = WireTime.date(milliseconds: heartbeat.lastSyncMs) ?? self.lastSync
    }
}
