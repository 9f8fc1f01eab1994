import Foundation
import HubCore
import HubStorage
import Hummingbird
import Wire

extension CommandRoutes {
    /// `POST /api/crypto/commands/{client_id}/sell/` — preview or execute a sell on one agent.
    ///
    /// Executing (`"preview": false`) requires an `Idempotency-Key` (428 without one), is recorded
    /// on disk before it is sent, and carries the command id as the exchange's client order id:
    /// a repeated request, a replayed command and an agent restart all end in one execution.
    package func sell(_ request: Request, _ context: HubRequestContext) async throws -> Response {
        if let answer = try await self.forwardToOwner(request, context) { return answer }
        return try await self.idempotency.run(request, context) { request, origin throws(HubError) in
            let parameters = RequestParameters(request: request, context: context)
            let id = try parameters.clientID()
            let timeout = try parameters.timeout(default: self.settings.defaultTimeout, max: self.settings.maxTimeout)
            var request = request
            let bytes: ByteBuffer
            do { bytes = try await request.collectBody(upTo: context.maxUploadSize) } catch {
                throw .payloadTooLarge(limit: context.maxUploadSize)
            }
            let body = try SellRequestBody.parse(bytes)
            if !body.preview, origin.idempotencyKey == nil { throw .idempotencyKeyRequired }
            guard self.registry.snapshot(of: id) != nil else { throw .clientNotFound(id.lowercased) }

            let commandID = UUID.random()
            var sell = body.wire
            sell.clientOrderID = commandID.lowercased
            let report = await self.dispatcher.send(
                .sell(sell), to: id, timeout: timeout, origin: origin, durable: !body.preview, commandID: commandID
            )
            guard let ack = report.ack else {
                return APIResult(error: report.error ?? .commandError("no outcome"), delivered: report.sentAt != nil)
            }
            let response = CommandResponses.single(
                report: report, ack: ack, snapshot: self.registry.snapshot(of: id),
                extra: .sell(asset: body.asset, quantity: body.quantity, minPrice: body.minPrice, preview: body.preview)
            )
            return APIResult(body: response, delivered: true)
        }
    }

    /// `GET /api/crypto/commands/{client_id}/wallets/` — the last balances the agent reported,
    /// with when and how (a `sync_wallets` answer or a periodic snapshot).
    package func wallets(_ request: Request, _ context: HubRequestContext) throws -> Response {
        let id = try RequestParameters(request: request, context: context).clientID()
        guard let snapshot = self.registry.snapshot(of: id) else { throw HubError.clientNotFound(id.lowercased) }
        let wallets = self.wallets.wallets(of: id)
        return JSON.object([
            ("client_id", .string(id.lowercased)),
            ("client_name", .string(snapshot.identity.name)),
            ("connected", .bool(snapshot.connected)),
            ("synced_at", .preciseTimestamp(wallets?.syncedAt)),
            ("source", .optional(wallets?.source)),
            ("wallets", .array((wallets?.balances ?? []).map(CommandResult.balance))),
        ]).response()
    }
}
