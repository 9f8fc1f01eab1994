import Foundation
import HubCore
import Logging
import PostgresNIO
import Wire

/// The SQL of several hubs on one database. Liveness is a lease in the `hub` table, judged on
/// the server's clock (so the hubs' clocks need not agree): a hub joins with a new epoch (its
/// previous one + 1), renews its lease while it runs, and is fenced once the lease expired —
/// another hub then bumps its epoch and ends its unfinished work, and every later write of the
/// old incarnation (a batch, a renewal, a claim) fails the epoch check. Which hub holds an
/// agent's stream is `agent_owner`: one row per connected agent, with the session's id and an
/// epoch from a sequence, claimed only under a current lease and released only by the session
/// that claimed it.
package struct PostgresCluster: Sendable {
    let access: PostgresAccess
    package let hubID: String
    package let lease: Duration
    let logger: Logger

    /// The server's clock, in seconds since 1970.
    static let now = "extract(epoch FROM clock_timestamp())::float8"

    package init(client: PostgresClient, hubID: String, lease: Duration, logger: Logger) {
        self.access = PostgresAccess(client: client, logger: logger)
        self.hubID = hubID
        self.lease = lease
        self.logger = logger
    }

    private var leaseSeconds: Double { self.lease.seconds }

    /// Joins (or joins again): a new epoch and a lease from now. Returns the epoch.
    package func join(restURL: String) async throws(HubError) -> Int64 {
        let (hub, lease) = (self.hubID, self.leaseSeconds)
        return try await self.access.run { client, logger in
            let rows = try await client.query(
                """
                INSERT INTO hub (hub_id, epoch, rest_url, lease_until, started_at)
                VALUES (\(hub), 1, \(restURL), \(unescaped: Self.now) + \(lease), \(unescaped: Self.now))
                ON CONFLICT (hub_id) DO UPDATE SET epoch = hub.epoch + 1, rest_url = excluded.rest_url,
                    lease_until = excluded.lease_until, started_at = excluded.started_at
                RETURNING epoch
                """, logger: logger)
            var epoch: Int64?
            for try await value in rows.decode(Int64.self) { epoch = value }
            guard let epoch else { throw HubError.storeUnavailable("joining the cluster returned no epoch") }
            return epoch
        }
    }

    /// Extends the lease of `epoch`. False: the lease had expired or a newer epoch exists — this
    /// incarnation is fenced and must stop acting for the hub.
    package func renew(epoch: Int64) async throws(HubError) -> Bool {
        let (hub, lease) = (self.hubID, self.leaseSeconds)
        return try await self.access.run { client, logger in
            try await client.query(
                """
                UPDATE hub SET lease_until = \(unescaped: Self.now) + \(lease)
                WHERE hub_id = \(hub) AND epoch = \(epoch) AND lease_until > \(unescaped: Self.now) RETURNING 1
                """, logger: logger
            ).hasRows()
        }
    }

    /// Publishes the REST URL other hubs forward to.
    package func advertise(restURL: String, epoch: Int64) async throws(HubError) {
        let hub = self.hubID
        try await self.access.run { client, logger in
            _ = try await client.query(
                "UPDATE hub SET rest_url = \(restURL) WHERE hub_id = \(hub) AND epoch = \(epoch)", logger: logger)
        }
    }

    /// Leaves at a graceful stop: the lease ends now and the hub's ownership rows go.
    package func leave(epoch: Int64) async throws(HubError) {
        let hub = self.hubID
        try await self.access.transaction { connection, logger in
            try await connection.query("UPDATE hub SET lease_until = 0 WHERE hub_id = \(hub) AND epoch = \(epoch)", logger: logger)
            try await connection.query("DELETE FROM agent_owner WHERE hub_id = \(hub) AND hub_epoch = \(epoch)", logger: logger)
        }
    }

    /// The other hubs whose lease is current.
    package func peers() async throws(HubError) -> [ClusterPeer] {
        let hub = self.hubID
        return try await self.access.run { client, logger in
            let rows = try await client.query(
                """
                SELECT hub_id, rest_url FROM hub WHERE hub_id <> \(hub) AND rest_url <> '' AND lease_until > \(unescaped: Self.now)
                ORDER BY hub_id
                """,
                logger: logger)
            var peers: [ClusterPeer] = []
            for try await (id, url) in rows.decode((String, String).self) { peers.append(ClusterPeer(hubID: id, url: url)) }
            return peers
        }
    }

    /// The live hub holding `agentID`'s stream, if any (this one included).
    package func owner(of agentID: UUID) async throws(HubError) -> ClusterPeer? {
        try await self.access.run { client, logger in
            let rows = try await client.query(
                """
                SELECT h.hub_id, h.rest_url FROM agent_owner o JOIN hub h ON h.hub_id = o.hub_id AND h.epoch = o.hub_epoch
                WHERE o.agent_id = \(agentID.lowercased) AND h.rest_url <> '' AND h.lease_until > \(unescaped: Self.now)
                """, logger: logger)
            var owner: ClusterPeer?
            for try await (id, url) in rows.decode((String, String).self) { owner = ClusterPeer(hubID: id, url: url) }
            return owner
        }
    }

    /// Applies claims and releases of sessions, in one transaction: releases delete only the
    /// row of the session that claimed it; claims (the newest per agent) take the row under
    /// `epoch`'s current lease, with a fresh session epoch. False: the lease was not current
    /// (fenced) and nothing was claimed.
    package func apply(_ changes: OwnershipChanges, epoch: Int64) async throws(HubError) -> Bool {
        let hub = self.hubID
        return try await self.access.transaction { connection, logger in
            if !changes.releases.isEmpty {
                try await connection.query(
                    """
                    DELETE FROM agent_owner o USING unnest(\(changes.releases.map(\.agent)), \(changes.releases.map(\.session))) AS t(a, s)
                    WHERE o.agent_id = t.a AND o.session_id = t.s
                    """, logger: logger)
            }
            guard !changes.claims.isEmpty else { return true }
            let current = try await connection.query(
                "SELECT 1 FROM hub WHERE hub_id = \(hub) AND epoch = \(epoch) AND lease_until > \(unescaped: Self.now) FOR SHARE",
                logger: logger
            ).hasRows()
            guard current else { return false }
            try await connection.query(
                """
                INSERT INTO agent_owner (agent_id, hub_id, hub_epoch, session_id, session_epoch, since)
                SELECT t.a, \(hub), \(epoch), t.s, nextval('session_epoch'), \(unescaped: Self.now)
                FROM unnest(\(changes.claims.map(\.agent)), \(changes.claims.map(\.session))) AS t(a, s)
                ON CONFLICT (agent_id) DO UPDATE SET hub_id = excluded.hub_id, hub_epoch = excluded.hub_epoch,
                    session_id = excluded.session_id, session_epoch = excluded.session_epoch, since = excluded.since
                """, logger: logger)
            return true
        }
    }

    /// Of `sessions` (this hub's live ones), those whose agent has no ownership row at all — a
    /// claim that lost a race to a release — so they can be claimed again.
    package func unowned(_ sessions: [OwnershipChanges.Session]) async throws(HubError) -> [OwnershipChanges.Session] {
        guard !sessions.isEmpty else { return [] }
        return try await self.access.run { client, logger in
            let rows = try await client.query(
                """
                SELECT t.a, t.s FROM unnest(\(sessions.map(\.agent)), \(sessions.map(\.session))) AS t(a, s)
                WHERE NOT EXISTS (SELECT 1 FROM agent_owner o WHERE o.agent_id = t.a)
                """, logger: logger)
            var missing: [OwnershipChanges.Session] = []
            for try await (agent, session) in rows.decode((String, String).self) {
                missing.append(OwnershipChanges.Session(agent: agent, session: session))
            }
            return missing
        }
    }

    /// Ends the work of every other hub whose lease expired: its epoch bumped (fencing it) and
    /// its lease set to 0 (taken over, so once), then `PostgresStore.endUnfinishedWork`. One
    /// transaction per hub; a hub another hub is taking over is skipped. Returns the hubs taken over and how
    /// many commands each left.
    package func takeOverExpired(now: Date) async throws(HubError) -> [(hubID: String, ended: Int)] {
        let me = self.hubID
        let expired: [(String, Int64)] = try await self.access.run { client, logger in
            let rows = try await client.query(
                """
                SELECT hub_id, epoch FROM hub WHERE hub_id <> \(me) AND lease_until > 0 AND lease_until < \(unescaped: Self.now)
                """, logger: logger)
            var hubs: [(String, Int64)] = []
            for try await row in rows.decode((String, Int64).self) { hubs.append(row) }
            return hubs
        }
        var taken: [(hubID: String, ended: Int)] = []
        for (hub, epoch) in expired {
            let ended: Int? = try await self.access.transaction { connection, logger in
                let locked = try await connection.query(
                    """
                    SELECT 1 FROM hub WHERE hub_id = \(hub) AND epoch = \(epoch) AND lease_until > 0
                      AND lease_until < \(unescaped: Self.now)
                    FOR UPDATE SKIP LOCKED
                    """, logger: logger
                ).hasRows()
                guard locked else { return nil }
                // A lease of 0: taken over (or left), never selected again.
                try await connection.query("UPDATE hub SET epoch = epoch + 1, lease_until = 0 WHERE hub_id = \(hub)", logger: logger)
                return try await PostgresStore.endUnfinishedWork(of: hub, on: connection, now: now, reason: .leaseExpired, logger: logger)
            }
            if let ended { taken.append((hub, ended)) }
        }
        return taken
    }

    /// Agents with commands a lost hub left unresolved, ended since `since` — for the hubs
    /// they are connected to now to look up with `lookup_only`.
    package func agentsToReconcile(since: Date) async throws(HubError) -> [UUID] {
        try await self.access.run { client, logger in
            let rows = try await client.query(
                """
                SELECT DISTINCT agent_id FROM command
                WHERE error_code = 'hub_lost' AND reconciled_at IS NULL AND finished_at >= \(since.timeIntervalSince1970)
                  AND sent_at IS NOT NULL
                """, logger: logger)
            var found: [UUID] = []
            for try await id in rows.decode(String.self) { if let uuid = UUID(uuidString: id) { found.append(uuid) } }
            return found
        }
    }
}

/// Ownership claims and releases gathered for one transaction.
package struct OwnershipChanges: Sendable {
    package struct Session: Sendable, Hashable {
        package let agent: String
        package let session: String

        package init(agent: String, session: String) {
            self.agent = agent
            self.session = session
        }
    }

    package var claims: [Session] = []
    package var releases: [Session] = []

    package init() {}

    package var isEmpty: Bool { self.claims.isEmpty && self.releases.isEmpty }

    /// Events in the order they happened, reduced to what one transaction must do: every
    /// release (each deletes only its own session's row), and per agent the newest claim
    /// unless that session was released after it.
    package init(events: [OwnershipEvent]) {
        var released: Set<Session> = []
        var newest: [String: Session] = [:]
        var order: [String] = []
        for event in events {
            switch event {
            case .claimed(let session):
                if newest.updateValue(session, forKey: session.agent) == nil { order.append(session.agent) }
            case .released(let session):
                released.insert(session)
                self.releases.append(session)
            }
        }
        self.claims = order.compactMap { newest[$0] }.filter { !released.contains($0) }
    }
}

/// A session of this hub became the live one of its agent, or ended.
package enum OwnershipEvent: Sendable {
    case claimed(OwnershipChanges.Session)
    case released(OwnershipChanges.Session)
}
