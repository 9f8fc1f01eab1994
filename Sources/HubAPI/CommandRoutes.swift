import Foundation
import HubCore
import HubStorage
import Hummingbird
import Wire

/// The REST control plane under `/api/crypto/commands/`: the contract existing clients call
/// (paths, trailing slashes, query parameters and JSON shapes kept byte for byte).
///
/// Every write runs through `Idempotency`; inside it a handler validates its input first (400),
/// resolves the client (404), hands one command (or one job of many) to the dispatcher and
/// turns the report into the answer: 200 with `command_result` when the agent answered, else
/// the mapped `HubError` (503/504/500).
package struct CommandRoutes {
    package let registry: AgentRegistry
    package let dispatcher: CommandDispatcher
    package let log: CommandLog
    package let wallets: WalletBook
    package let idempotency: Idempotency
    package let settings: Settings
    /// Several hubs: how calls reach agents connected to another hub. Nil: one hub.
    package let cluster: ClusterForwarding?

    /// The command deadlines and the bulk default the routes apply.
    package struct Settings: Sendable {
        /// A command's deadline when the request names no `?timeout=`.
        package var defaultTimeout: Duration
        /// The largest `?timeout=` accepted.
        package var maxTimeout: Duration
        /// A bulk action's `max_concurrency` when the request names none.
        package var bulkConcurrency: Int

        package init(defaultTimeout: Duration, maxTimeout: Duration, bulkConcurrency: Int) {
            self.defaultTimeout = defaultTimeout
            self.maxTimeout = maxTimeout
            self.bulkConcurrency = bulkConcurrency
        }
    }

    package init(
        registry: AgentRegistry, dispatcher: CommandDispatcher, log: CommandLog, wallets: WalletBook, idempotency: any IdempotencyRecords,
        settings: Settings, cluster: ClusterForwarding? = nil
    ) {
        self.cluster = cluster
        self.registry = registry
        self.dispatcher = dispatcher
        self.log = log
        self.wallets = wallets
        self.idempotency = Idempotency(store: idempotency)
        self.settings = settings
    }

    /// Reads need `.read`; commands to one agent `.operate`; sells `.trade`; bulk actions `.admin`.
    package func register(on api: APIRouter) {
        let base = "/api/crypto/commands"
        api.add(.get, "\(base)/", .requires(.read)) { request, context in try self.list(request, context) }
        api.add(.post, "\(base)/pause_all/", .requires(.admin)) { request, context in
            try await self.bulk(request, context, name: "pause") { _ in .pause(.init()) }
        }
        api.add(.post, "\(base)/resume_all/", .requires(.admin)) { request, context in
            try await self.bulk(request, context, name: "resume") { _ in .resume(.init()) }
        }
        api.add(.post, "\(base)/sync_all/", .requires(.admin)) { request, context in
            try await self.bulk(request, context, name: "sync_wallets") { parameters throws(HubError) in
                var sync = Commandhub_V1_SyncWallets()
                sync.symbols = try parameters.symbols()
                return .syncWallets(sync)
            }
        }
        api.add(.get, "\(base)/{client_id}/", .requires(.read)) { request, context in try self.detail(request, context) }
        api.add(.get, "\(base)/{client_id}/wallets/", .requires(.read)) { request, context in try self.wallets(request, context) }
        api.add(.post, "\(base)/{client_id}/sell/", .requires(.trade)) { request, context in try await self.sell(request, context) }
        api.add(.post, "\(base)/{client_id}/pause/", .requires(.operate)) { request, context in
            try await self.command(request, context) { _ in (.pause(.init()), .none) }
        }
        api.add(.post, "\(base)/{client_id}/resume/", .requires(.operate)) { request, context in
            try await self.command(request, context) { _ in (.resume(.init()), .none) }
        }
        api.add(.post, "\(base)/{client_id}/ping/", .requires(.operate)) { request, context in
            try await self.command(request, context) { _ in (.ping(.init()), .ping) }
        }
        api.add(.post, "\(base)/{client_id}/sync_wallets/", .requires(.operate)) { request, context in
            try await self.command(request, context) { parameters throws(HubError) in
                var sync = Commandhub_V1_SyncWallets()
                sync.symbols = try parameters.symbols()
                return (.syncWallets(sync), .symbols(sync.symbols))
            }
        }
        api.add(.post, "\(base)/{client_id}/request_status/", .requires(.operate)) { request, context in
            try await self.command(request, context) { parameters throws(HubError) in
                var status = Commandhub_V1_RequestStatus()
                status.includeStats = try parameters.bool("include_stats", default: false)
                return (.requestStatus(status), .none)
            }
        }
    }

    /// `GET /api/crypto/commands/` — connected clients; `?include_offline=true` adds known ones.
    package func list(_ request: Request, _ context: HubRequestContext) throws -> Response {
        let parameters = RequestParameters(request: request, context: context)
        let includeOffline = try parameters.bool("include_offline", default: false)
        let selector = try parameters.selector()
        let agents = includeOffline ? self.registry.all(matching: selector) : self.registry.connected(matching: selector)
        return JSON.array(agents.map(ClientResponses.summary)).response()
    }

    /// `GET /api/crypto/commands/{client_id}/`.
    package func detail(_ request: Request, _ context: HubRequestContext) throws -> Response {
        let id = try RequestParameters(request: request, context: context).clientID()
        guard let snapshot = self.registry.snapshot(of: id) else { throw HubError.clientNotFound(id.lowercased) }
        return ClientResponses.detail(snapshot).response()
    }

    /// One command to one client.
    package func command(
        _ request: Request, _ context: HubRequestContext,
        _ makeAction: @escaping (RequestParameters) throws(HubError) -> (Commandhub_V1_Command.OneOf_Action, CommandResponses.Extra)
    ) async throws -> Response {
        if let answer = try await self.forwardToOwner(request, context) { return answer }
        return try await self.idempotency.run(request, context) { request, origin throws(HubError) in
            let parameters = RequestParameters(request: request, context: context)
            let id = try parameters.clientID()
            let (action, extra) = try makeAction(parameters)
            let timeout = try parameters.timeout(default: self.settings.defaultTimeout, max: self.settings.maxTimeout)
            guard self.registry.snapshot(of: id) != nil else { throw .clientNotFound(id.lowercased) }

            let report = await self.dispatcher.send(action, to: id, timeout: timeout, origin: origin)
            guard let ack = report.ack else {
                return APIResult(error: report.error ?? .commandError("no outcome"), delivered: report.sentAt != nil)
            }
            let body = CommandResponses.single(report: report, ack: ack, snapshot: self.registry.snapshot(of: id), extra: extra)
            return APIResult(body: body, delivered: true)
        }
    }

    /// One action to many clients: all connected ones matching `?selector=`, or `?client_ids=`.
    /// Logged as one job whose commands carry its id. With several hubs, every other live hub
    /// runs the same action on the agents connected to it (one request per hub, in parallel
    /// with this hub's own part) and the answer merges every part.
    package func bulk(
        _ request: Request, _ context: HubRequestContext, name: String,
        _ makeAction: @escaping (RequestParameters) throws(HubError) -> Commandhub_V1_Command.OneOf_Action
    ) async throws -> Response {
        if let cluster = self.cluster, ClusterForwarding.isForwarded(request) {
            return try await self.bulkPart(request, context, name: name, cluster: cluster, makeAction)
        }
        return try await self.idempotency.run(request, context) { request, origin throws(HubError) in
            let parameters = RequestParameters(request: request, context: context)
            let action = try makeAction(parameters)
            let selector = try parameters.selector()
            let explicitIDs = try parameters.clientIDs()
            if explicitIDs != nil, !selector.terms.isEmpty {
                throw .badRequest(parameter: "selector", reason: "use either selector or client_ids, not both")
            }
            let options = try self.bulkOptions(parameters)
            let jobID = UUID.random()
            try self.log.jobCreated(
                JobRecord(
                    jobID: jobID, action: name, parameters: action.parameters.text,
                    selector: selector.terms.isEmpty ? nil : selector.description, requestedBy: origin.requestedBy, createdAt: Date()
                ))
            var jobOrigin = origin
            jobOrigin.jobID = jobID
            let connectedHere = self.registry.connected(matching: selector).map(\.agentID)
            var targets = explicitIDs ?? connectedHere
            if self.cluster != nil, let explicitIDs {
                // The others are served by the hubs they are connected to (or reported below).
                targets = explicitIDs.filter { self.registry.session(for: $0) != nil }
            }
            async let remote = self.bulkOnPeers(request, context, jobID: jobID, timeout: options.timeout)
            var report = await self.dispatcher.sendToMany(action, to: targets, options: options, origin: jobOrigin)
            let parts = await remote
            if let explicitIDs {
                // Ids no hub served: connected nowhere, reported as such by this hub.
                let served = Set(targets).union(parts.flatMap(\.agentIDs))
                let rest = explicitIDs.filter { !served.contains($0) }
                if !rest.isEmpty {
                    let missing = await self.dispatcher.sendToMany(action, to: rest, options: options, origin: jobOrigin)
                    report = BulkReport(items: report.items + missing.items)
                    targets += rest
                }
            }
            let totals = parts.reduce(BulkTotals(report)) { $0 + $1.totals }
            self.log.jobFinished(jobID, totals: totals, at: Date())
            var names: [UUID: String] = [:]
            for id in targets { names[id] = self.registry.snapshot(of: id)?.identity.name }
            let body = CommandResponses.bulk(
                action: name, jobID: jobID, selector: selector, report: report, names: names, totals: totals,
                remoteResults: parts.flatMap(\.results))
            return APIResult(body: body, delivered: report.anyDelivered || parts.contains(where: \.anyDelivered))
        }
    }

    func bulkOptions(_ parameters: RequestParameters) throws(HubError) -> BulkOptions {
        BulkOptions(
            timeout: try parameters.timeout(default: self.settings.defaultTimeout, max: self.settings.maxTimeout),
            maxConcurrency: try parameters.integer("max_concurrency", in: 1...100_000) ?? self.settings.bulkConcurrency,
            maxFailures: try parameters.integer("max_failures", in: 0...100_000)
        )
    }
}
