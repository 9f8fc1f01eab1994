import Foundation
import HubCore
import HubLink
import HubStorage
import Synchronization

/// Connects a cluster member (several hubs on PostgreSQL) to the hub it belongs to: every
/// session that becomes an agent's live one is claimed, every one that ends released; the
/// member may end all sessions (fenced) and queue reconciliations; its REST URL is the
/// configured `cluster.advertise_url`, else the REST listener's own address once bound.
func connectCluster(
    _ member: any ClusterMembership, configuration: HubConfiguration, fleet: HubFleet, link: AgentLink, writer: StoreWriter,
    httpPort: BoundPort
) {
    let registry = fleet.registry
    let sessions = Mutex<[UUID: UUID]>([:])
    registry.observe { event in
        switch event {
        case .connected(let snapshot, _):
            guard let session = snapshot.sessionID else { return }
            sessions.withLock { $0[snapshot.agentID] = session }
            member.claimed(agentID: snapshot.agentID, sessionID: session)
        case .disconnected(let snapshot, _):
            guard let session = sessions.withLock({ $0.removeValue(forKey: snapshot.agentID) }) else { return }
            member.released(agentID: snapshot.agentID, sessionID: session)
        case .updated:
            break
        }
    }
    var hooks = ClusterHooks()
    hooks.liveSessions = { registry.connected().compactMap { snapshot in snapshot.sessionID.map { (snapshot.agentID, $0) } } }
    hooks.isConnectedHere = { registry.session(for: $0) != nil }
    hooks.endAllSessions = { link.closeAllSessions(.storeUnavailable("this hub lost its cluster lease")) }
    hooks.reconcile = { fleet.reconciler.agentConnected($0) }
    hooks.drainWrites = { try? await writer.flush() }
    let advertised = configuration.clusterAdvertiseURL
    let scheme = configuration.tlsCertificateFile == nil ? "http" : "https"
    let host = reachableHost(configuration.httpHost)
    hooks.restURL = {
        if let advertised { return advertised }
        guard let port = try? await httpPort.value else { return nil }
        return "\(scheme)://\(host):\(port)"
    }
    member.setHooks(hooks)
}

/// The host other hubs can reach the REST listener at: its bind address, or this machine's
/// name when it binds every interface.
private func reachableHost(_ bound: String) -> String {
    switch bound {
    case "0.0.0.0", "::", "": ProcessInfo.processInfo.hostName
    case let host where host.contains(":"): "[\(host)]"
    default: bound
    }
}
