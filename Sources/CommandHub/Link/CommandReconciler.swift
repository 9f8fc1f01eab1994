import Foundation

/// Called once an agent's Hello is accepted, inside its session, to settle what the hub does
/// not know about its earlier commands (see `StoreReconciler`). Commands sent meanwhile are
/// served as usual; the session does not end when this returns.
public protocol CommandReconciler: Sendable {
    func agentConnected(_ agentID: UUID) async
}
