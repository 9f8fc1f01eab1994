import Foundation
import HTTPTypes
import HubCore
import Hummingbird

/// What another hub answered for its part of a bulk action: its counts, its per-agent lines
/// (kept as the JSON it wrote, so the merged answer has the same lines) and whether it put any
/// command on a stream.
///
/// The part travels as JSON lines: the counts first, then one line per agent in the bulk
/// answer's shape (`CommandResponses.bulkItem`).
package struct RemoteBulkPart: Sendable {
    package let hubID: String
    package let totals: BulkTotals
    package let results: [JSON]
    package let agentIDs: [UUID]
    package let anyDelivered: Bool

    package struct Invalid: Error, CustomStringConvertible {
        package let description: String
    }

    /// A part's answer, as the hub that ran it sends it.
    package static func response(_ report: BulkReport, name: (UUID) -> String?) -> Response {
        let totals = BulkTotals(report)
        var bytes = JSON.object([
            ("targeted", .integer(totals.targeted)), ("succeeded", .integer(totals.succeeded)), ("failed", .integer(totals.failed)),
            ("timed_out", .integer(totals.timedOut)), ("undeliverable", .integer(totals.undeliverable)),
            ("skipped", .integer(totals.skipped)), ("delivered", .bool(report.anyDelivered)),
        ]).serialized()
        for item in report.items {
            bytes.append(UInt8(ascii: "\n"))
            CommandResponses.bulkItem(item, name: name(item.agentID)).write(into: &bytes)
        }
        return Response(
            status: .ok, headers: [.contentType: "application/x-ndjson"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// Reads a part's answer; anything but a 200 in that shape is `Invalid`.
    package init(_ response: ClusterForwarding.Answer, from peer: ClusterPeer) throws {
        let bytes = response.body
        guard response.status == .ok else {
            throw Invalid(description: "\(peer) answered \(response.status.code): \(String(buffer: bytes).prefix(200))")
        }
        let lines = String(buffer: bytes).split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first, let counts = try? JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any] else {
            throw Invalid(description: "\(peer) answered something other than a bulk part")
        }
        func count(_ key: String) -> Int { (counts[key] as? NSNumber)?.intValue ?? 0 }
        var totals = BulkTotals()
        totals.targeted = count("targeted")
        totals.succeeded = count("succeeded")
        totals.failed = count("failed")
        totals.timedOut = count("timed_out")
        totals.undeliverable = count("undeliverable")
        totals.skipped = count("skipped")
        var ids: [UUID] = []
        for line in lines.dropFirst() {
            let item = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            guard let id = (item?["client_id"] as? String).flatMap(UUID.init(uuidString:)) else {
                throw Invalid(description: "\(peer) answered a bulk line without a client_id")
            }
            ids.append(id)
        }
        self.hubID = peer.hubID
        self.totals = totals
        self.results = lines.dropFirst().map { .raw(String($0)) }
        self.agentIDs = ids
        self.anyDelivered = (counts["delivered"] as? Bool) ?? false
    }
}
