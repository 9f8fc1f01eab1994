import Foundation
import HubCore
import HubStorage
import Hummingbird
import Logging
import Wire

/// Several hubs on one store (`ClusterForwarding`): a call for an agent connected to another
/// hub is answered by that hub; a bulk action runs on every hub for the agents connected to it.
extension CommandRoutes {
    /// The answer of the hub holding the agent's stream, when that is another hub. Nil: the
    /// call is served here (the agent is connected here or nowhere, or the call was forwarded).
    func forwardToOwner(_ request: Request, _ context: HubRequestContext) async throws -> Response? {
        guard let cluster = self.cluster, !ClusterForwarding.isForwarded(request) else { return nil }
        let parameters = RequestParameters(request: request, context: context)
        let id = try parameters.clientID()
        guard self.registry.session(for: id) == nil, let peer = try await cluster.view.owner(of: id) else { return nil }
        let timeout = try parameters.timeout(default: self.settings.defaultTimeout, max: self.settings.maxTimeout)
        var request = request
        let body: ByteBuffer
        do { body = try await request.collectBody(upTo: context.maxUploadSize) } catch {
            throw HubError.payloadTooLarge(limit: context.maxUploadSize)
        }
        do {
            // The owner answers by the command's deadline; the margin covers the hop.
            return try await cluster.forward(request, body: body, to: peer, timeout: timeout + .seconds(5)).response
        } catch let failure as ClusterForwarding.Failure {
            context.logger.warning(
                "the hub holding the agent did not answer",
                metadata: ["peer": "\(peer)", "client_id": "\(id.lowercased)", "error": "\(failure)"])
            // Not connected: nothing reached it. Afterwards: the command may have run there.
            throw failure.reachedPeer ? HubError.hubLost(peer.hubID) : HubError.clientNotConnected(id)
        }
    }

    /// A part of a bulk action another hub started: the agents connected here only (of
    /// `?client_ids=`, or matching `?selector=`), logged under that hub's job, answered in the
    /// shape `RemoteBulkPart` reads. No `Idempotency-Key`: the starting hub holds it.
    func bulkPart(
        _ request: Request, _ context: HubRequestContext, name: String, cluster: ClusterForwarding,
        _ makeAction: (RequestParameters) throws(HubError) -> Commandhub_V1_Command.OneOf_Action
    ) async throws -> Response {
        let parameters = RequestParameters(request: request, context: context)
        let action = try makeAction(parameters)
        let selector = try parameters.selector()
        let options = try self.bulkOptions(parameters)
        guard let job = request.headers[ClusterForwarding.jobHeader], let jobID = UUID(uuidString: job) else {
            throw HubError.badRequest(parameter: ClusterForwarding.jobHeader.rawName, reason: "a bulk part needs its job id")
        }
        let targets: [UUID] =
            if let ids = try parameters.clientIDs() {
                ids.filter { self.registry.session(for: $0) != nil }
            } else {
                self.registry.connected(matching: selector).map(\.agentID)
            }
        var origin = CommandOrigin(requestedBy: context.caller)
        origin.jobID = jobID
        let report = await self.dispatcher.sendToMany(action, to: targets, options: options, origin: origin)
        // The part's commands are in the shared log before the starting hub answers.
        try? await self.log.writer.flush()
        return RemoteBulkPart.response(report) { self.registry.snapshot(of: $0)?.identity.name }
    }

    /// Runs this bulk request's part on every other live hub, in parallel; a hub that cannot
    /// be reached contributes nothing (its agents are reported by id if they were named).
    func bulkOnPeers(_ request: Request, _ context: HubRequestContext, jobID: UUID, timeout: Duration) async -> [RemoteBulkPart] {
        guard let cluster = self.cluster else { return [] }
        let peers: [ClusterPeer]
        do { peers = try await cluster.view.peers() } catch {
            context.logger.warning("could not list the other hubs; the bulk action runs on this hub only", metadata: ["error": "\(error)"])
            return []
        }
        guard !peers.isEmpty else { return [] }
        var request = request
        guard let body = try? await request.collectBody(upTo: context.maxUploadSize) else { return [] }
        let forwarded = request
        return await withTaskGroup(of: RemoteBulkPart?.self) { group in
            for peer in peers {
                group.addTask {
                    do {
                        let response = try await cluster.forward(
                            forwarded, body: body, to: peer, timeout: timeout + .seconds(5), dropping: ["idempotency-key"],
                            adding: [(ClusterForwarding.jobHeader, jobID.lowercased)])
                        return try RemoteBulkPart(response, from: peer)
                    } catch {
                        context.logger.warning(
                            "a hub did not run its part of a bulk action", metadata: ["peer": "\(peer)", "error": "\(error)"])
                        return nil
                    }
                }
            }
            var parts: [RemoteBulkPart] = []
            for await part in group { if let part { parts.append(part) } }
            return parts.sorted { $0.hubID < $1.hubID }
        }
    }
}
