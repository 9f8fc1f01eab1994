import Foundation
import Wire

/// A consistent copy of what the hub knows about one agent at one moment.
package struct AgentSnapshot: Sendable, Equatable {
    package var identity: AgentIdentity
    package var connected: Bool
    package var status: Commandhub_V1_AgentStatus
    package var walletsSynced: Int
    package var syncRequests: UInt64
    package var inFlight: Int
    package var lastSync: Date?
    package var lastHeartbeat: Date?
    package var lastSeen: Date
    package var connectedAt: Date
    package var sessionID: UUID?
    package var remotePeer: String?
    /// The credential the agent authenticated with (last time, when offline).
    package var credentialName: String?

    package init(
        identity: AgentIdentity,
        connected: Bool,
        status: Commandhub_V1_AgentStatus,
        walletsSynced: Int,
        syncRequests: UInt64,
        inFlight: Int,
        lastSync: Date? = nil,
        lastHeartbeat: Date? = nil,
        lastSeen: Date,
        connectedAt: Date,
        sessionID: UUID? = nil,
        remotePeer: String? = nil,
        credentialName: String? = nil
    ) {
        self.identity = identity
        self.connected = connected
        self.status = status
        self.walletsSynced = walletsSynced
        self.syncRequests = syncRequests
        self.inFlight = inFlight
        self.lastSync = lastSync
        self.lastHeartbeat = lastHeartbeat
        self.lastSeen = lastSeen
        self.connectedAt = connectedAt
        self.sessionID = sessionID
        self.remotePeer = remotePeer
        self.credentialName = credentialName
    }

    package var agentID: UUID { self.identity.agentID }
}

/// What heartbeats and acks tell the hub about an agent's state while it is connected.
package struct LiveStatus: Sendable, Equatable {
    package var status: Commandhub_V1_AgentStatus
    package var walletsSynced: Int = 0
    package var syncRequests: UInt64 = 0
    package var inFlight: Int = 0
    package var lastSync: Date?
    package var lastHeartbeat: Date?
    package var lastSeen: Date
    package let connectedAt: Date

    package init(
        status: Commandhub_V1_AgentStatus,
        walletsSynced: Int = 0,
        syncRequests: UInt64 = 0,
        inFlight: Int = 0,
        lastSync: Date? = nil,
        lastHeartbeat: Date? = nil,
        lastSeen: Date,
        connectedAt: Date
    ) {
        self.status = status
        self.walletsSynced = walletsSynced
        self.syncRequests = syncRequests
        self.inFlight = inFlight
        self.lastSync = lastSync
        self.lastHeartbeat = lastHeartbeat
        self.lastSeen = lastSeen
        self.connectedAt = connectedAt
    }

    /// Takes the agent's own counters (from a heartbeat, or the state an ack carries).
    package mutating func apply(_ heartbeat: Commandhub_V1_Heartbeat) {
        if heartbeat.status != .unspecified { self.status = heartbeat.status }
        self.walletsSynced = Int(heartbeat.walletsSynced)
        self.syncRequests = heartbeat.syncRequests
        self.inFlight = Int(heartbeat.inFlight)
        self.lastSync = WireTime.date(milliseconds: heartbeat.lastSyncMs) ?? self.lastSync
    }
}
