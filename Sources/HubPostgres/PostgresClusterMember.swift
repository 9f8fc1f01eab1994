import DaemonSupport
import Foundation
import HubCore
import Logging
import ServiceLifecycle
import Synchronization
import Wire

/// This hub as one of several on a PostgreSQL store: it joined before its services started
/// (`PostgresCluster.join`), and this service keeps it a member until it stops.
///
/// Each tick (`lease / 5`, at most a second) it renews the lease, writes the ownership claims
/// and releases its sessions produced since the last tick (one transaction for all of them),
/// ends the work of hubs whose lease expired, and asks the hubs' reconciliation to look up
/// commands a lost hub left unresolved for agents now connected here. A renewal or claim that
/// finds the lease gone means this incarnation is fenced (stopped past its lease, or another
/// start of its id): batches are refused from then on (`fence`), every session is ended so the
/// agents re-home, and the hub joins again with a new epoch.
package final class PostgresClusterMember: Service, ClusterMembership {
    package let cluster: PostgresCluster
    /// The epoch the store's batches are checked against; nil while fenced.
    package let fence: ClusterFence
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var events: [OwnershipEvent] = []
        var wake: CheckedContinuation<Void, Never>?
        var hooks = ClusterHooks()
        var restURL = ""
    }

    package var hubID: String { self.cluster.hubID }

    package init(cluster: PostgresCluster, epoch: Int64, logger: Logger) {
        self.cluster = cluster
        self.fence = ClusterFence(epoch: epoch)
        self.logger = logger
    }

    /// Joins the cluster: a new epoch for this hub id and a lease from now; other hubs forward
    /// to it once `run()` has published its REST URL.
    package static func join(_ cluster: PostgresCluster, logger: Logger) async throws(HubError) -> PostgresClusterMember {
        let epoch = try await cluster.join(restURL: "")
        logger.info("joined the cluster", metadata: ["hub_id": "\(cluster.hubID)", "epoch": "\(epoch)"])
        return PostgresClusterMember(cluster: cluster, epoch: epoch, logger: logger)
    }

    package func setHooks(_ hooks: ClusterHooks) {
        self.state.withLock { $0.hooks = hooks }
    }

    private var hooks: ClusterHooks { self.state.withLock { $0.hooks } }

    /// A session of this hub became its agent's live one.
    package func claimed(agentID: UUID, sessionID: UUID) {
        self.record(.claimed(OwnershipChanges.Session(agent: agentID.lowercased, session: sessionID.lowercased)))
    }

    /// A live session of this hub ended.
    package func released(agentID: UUID, sessionID: UUID) {
        self.record(.released(OwnershipChanges.Session(agent: agentID.lowercased, session: sessionID.lowercased)))
    }

    private func record(_ event: OwnershipEvent) {
        let wake = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.events.append(event)
            defer { state.wake = nil }
            return state.wake
        }
        wake?.resume()
    }

    // MARK: ClusterView

    package func owner(of agentID: UUID) async throws(HubError) -> ClusterPeer? {
        guard let owner = try await self.cluster.owner(of: agentID), owner.hubID != self.hubID else { return nil }
        return owner
    }

    package func peers() async throws(HubError) -> [ClusterPeer] {
        try await self.cluster.peers()
    }

    // MARK: Service

    private var tick: Duration { min(self.cluster.lease / 5, .seconds(1)) }

    package func run() async throws {
        let loop = Loop()
        try await runUntilGracefulShutdown {
            guard let url = await self.hooks.restURL() else { return }
            self.state.withLock { $0.restURL = url }
            while !Task.isCancelled {
                guard let epoch = self.fence.epoch else { return }  // fenced meanwhile: joining again publishes it
                do {
                    try await self.cluster.advertise(restURL: url, epoch: epoch)
                    self.logger.info("serving the cluster", metadata: ["rest_url": "\(url)", "epoch": "\(epoch)"])
                    return
                } catch {
                    self.logger.warning("could not publish this hub's REST URL; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: self.tick)
                }
            }
        }
        try await runUntilGracefulShutdown {
            while !Task.isCancelled {
                await self.applyOwnership()
                if ContinuousClock.now >= loop.nextTick {
                    loop.nextTick = ContinuousClock.now + self.tick
                    loop.ticks += 1
                    await self.renew()
                    await self.takeOverExpired()
                    let checked = Date()
                    if await self.reconcileLostCommands(since: loop.lastReconcileCheck) {
                        loop.lastReconcileCheck = checked.addingTimeInterval(-1)
                    }
                    if loop.ticks % 5 == 0 { await self.healOwnership() }
                }
                await self.waitForEvents(until: loop.nextTick)
            }
        }
        await self.applyOwnership()
        if let epoch = self.fence.epoch {
            do {
                try await self.cluster.leave(epoch: epoch)
            } catch {
                self.logger.warning("could not leave the cluster", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Sleeps until `deadline`, or until ownership events arrive.
    private func waitForEvents(until deadline: ContinuousClock.Instant) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                let wake = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.wake = nil }
                    return state.wake
                }
                wake?.resume()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let ready = self.state.withLock { state -> Bool in
                        if !state.events.isEmpty || Task.isCancelled { return true }
                        state.wake = continuation
                        return false
                    }
                    if ready { continuation.resume() }
                }
            } onCancel: {
                let wake = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
                    defer { state.wake = nil }
                    return state.wake
                }
                wake?.resume()
            }
            group.cancelAll()
        }
    }

    private func applyOwnership() async {
        let events = self.state.withLock { state -> [OwnershipEvent] in
            defer { state.events = [] }
            return state.events
        }
        let changes = OwnershipChanges(events: events)
        guard !changes.isEmpty, let epoch = self.fence.epoch else { return }
        do {
            if try await !self.cluster.apply(changes, epoch: epoch) { await self.fenced("claiming agents") }
        } catch {
            // Not lost: a failed transaction changed nothing, so its events are tried again.
            self.state.withLock { $0.events = events + $0.events }
            self.logger.warning("could not write agent ownership; retrying", metadata: ["error": "\(error)"])
        }
    }

    private func renew() async {
        guard let epoch = self.fence.epoch else { return }
        do {
            if try await !self.cluster.renew(epoch: epoch) { await self.fenced("renewing the lease") }
        } catch {
            self.logger.warning("could not renew the cluster lease", metadata: ["error": "\(error)"])
        }
    }

    private func takeOverExpired() async {
        do {
            for (hub, ended) in try await self.cluster.takeOverExpired(now: Date()) {
                self.logger.notice(
                    "took over the work of a hub whose lease expired", metadata: ["lost_hub": "\(hub)", "commands_ended": "\(ended)"])
            }
        } catch {
            self.logger.warning("could not check for lost hubs", metadata: ["error": "\(error)"])
        }
    }

    /// Returns whether the check ran.
    private func reconcileLostCommands(since: Date) async -> Bool {
        do {
            let hooks = self.hooks
            for agent in try await self.cluster.agentsToReconcile(since: since) where hooks.isConnectedHere(agent) {
                hooks.reconcile(agent)
            }
            return true
        } catch {
            return false
        }
    }

    private func healOwnership() async {
        guard let epoch = self.fence.epoch else { return }
        do {
            let live = self.hooks.liveSessions().map {
                OwnershipChanges.Session(agent: $0.agentID.lowercased, session: $0.sessionID.lowercased)
            }
            let missing = try await self.cluster.unowned(live)
            guard !missing.isEmpty else { return }
            var changes = OwnershipChanges()
            changes.claims = missing
            if try await !self.cluster.apply(changes, epoch: epoch) { await self.fenced("claiming agents") }
        } catch {
            self.logger.warning("could not check agent ownership", metadata: ["error": "\(error)"])
        }
    }

    /// This incarnation lost its lease: refuse its batches, end its sessions, join again.
    private func fenced(_ during: String) async {
        guard let old = self.fence.revoke() else { return }
        self.logger.error(
            "this hub's cluster lease was lost (stopped past it, or another start of this hub id); ending every session and joining again",
            metadata: ["during": "\(during)", "epoch": "\(old)"])
        // Pending claims stay: each ended session's release follows its claim, so the pair
        // cancels out, and claims of sessions opened meanwhile are this hub's next epoch's.
        await self.hooks.endAllSessions()
        // Everything this incarnation buffered (the ended sessions' disconnects, late results)
        // meets the fence before a new epoch could let it through.
        await self.hooks.drainWrites()
        while !Task.isCancelled {
            do {
                let epoch = try await self.cluster.join(restURL: self.state.withLock { $0.restURL })
                self.fence.grant(epoch)
                self.logger.notice("joined the cluster again", metadata: ["epoch": "\(epoch)"])
                return
            } catch {
                self.logger.warning("could not join the cluster again; retrying", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: self.tick)
            }
        }
    }
}

/// The service loop's own counters (one task touches them).
private final class Loop: @unchecked Sendable {
    var lastReconcileCheck = Date().addingTimeInterval(-60)
    var ticks = 0
    var nextTick = ContinuousClock.now
}

/// The epoch this hub's writes are made under; nil while fenced (every batch refused).
package final class ClusterFence: Sendable {
    private let current: Mutex<Int64?>

    package init(epoch: Int64?) {
        self.current = Mutex(epoch)
    }

    package var epoch: Int64? { self.current.withLock { $0 } }

    /// Fences: returns the epoch that was current, nil if already fenced.
    package func revoke() -> Int64? {
        self.current.withLock { current in
            defer { current = nil }
            return current
        }
    }

    package func grant(_ epoch: Int64) {
        self.current.withLock { $0 = epoch }
    }
}
