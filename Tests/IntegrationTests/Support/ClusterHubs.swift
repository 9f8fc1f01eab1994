import CryptoAgent
import Foundation
import HubPostgres
import Logging
import PostgresNIO
import PostgresTestSupport
import Testing

/// `commandhub serve` processes sharing one fresh PostgreSQL database (several hubs, one fleet),
/// named `h1`, `h2`, … and each serving the cluster (its REST URL published) before `body` runs.
struct ClusterHubs {
    let hubs: [HubProcess]
    let store: PostgresStore

    /// The environment a cluster hub gets: its id and a short lease (1.5 s), so a lost hub is
    /// noticed quickly.
    static func environment(id: String, lease: Duration) -> [String: String] {
        ["COMMANDHUB_HUB_ID": id, "COMMANDHUB_CLUSTER_LEASE_MS": "\(Int(lease / .milliseconds(1)))"]
    }

    static func with(
        count: Int, lease: Duration = .milliseconds(1500), _ body: (ClusterHubs) async throws -> Void
    ) async throws {
        try await PostgresTestDatabase.with { store in
            var hubs: [HubProcess] = []
            defer { for hub in hubs { hub.child.signal(SIGKILL) } }
            for index in 1...count {
                let hub = try await Self.start(id: "h\(index)", store: store, lease: lease)
                hubs.append(hub)
            }
            try await body(ClusterHubs(hubs: hubs, store: store))
        }
    }

    /// Starts hub `id` on `store` and waits until other hubs can forward to it.
    static func start(id: String, store: PostgresStore, lease: Duration) async throws -> HubProcess {
        let hub = try await HubProcess.start(
            store: store.location.url, extraEnvironment: Self.environment(id: id, lease: lease))
        try await hub.child.waitForLine(containing: "serving the cluster")
        return hub
    }

    /// The hub id at `index` (0-based).
    func id(_ index: Int) -> String { "h\(index + 1)" }

    /// Waits (polling the database, up to 30 s) until `agentID`'s stream is held by `hubID`
    /// (any hub when nil); returns that hub's id.
    @discardableResult
    func waitForOwner(of agentID: UUID, is hubID: String? = nil) async throws -> String {
        var found: String?
        try await self.waitUntil("agent \(agentID) owned by \(hubID ?? "any hub")") {
            found = try await self.owner(of: agentID)
            return found != nil && (hubID == nil || found == hubID)
        }
        return found ?? ""
    }

    /// Waits until `condition` holds, asking the database every 20 ms for up to 30 s: the hubs
    /// are other processes, so their state is seen in the shared database.
    func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("not within 30 s: \(what)")
    }

    /// Which hub's row holds `agentID` in `agent_owner` now.
    func owner(of agentID: UUID) async throws -> String? {
        var owner: String?
        let rows = try await self.store.client.query(
            "SELECT hub_id FROM agent_owner WHERE agent_id = \(agentID.uuidString.lowercased())", logger: self.store.logger)
        for try await hub in rows.decode(String.self) { owner = hub }
        return owner
    }

    /// One value of the first column of `sql`'s first row.
    func scalar<T: PostgresDecodable & Sendable>(_ sql: PostgresQuery, as: T.Type) async throws -> T? {
        var value: T?
        for try await row in try await self.store.client.query(sql, logger: self.store.logger).decode(T.self) where value == nil {
            value = row
        }
        return value
    }

    /// Runs in-process agents (the real link and command handler) while `body` runs.
    static func run<T: Sendable>(_ agents: [Agent], _ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            for agent in agents {
                group.addTask {
                    try await agent.run()
                    return nil
                }
            }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}
