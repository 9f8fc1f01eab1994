import Foundation
import HubAPI
import HubCore
import HubLink
import HubStorage
import NIOCore
import SwiftProtobuf
import Wire

extension FuzzTarget {
    /// `agent-message`: the bytes are one message payload, decoded as the stream handler decodes
    /// it. Invariants: a payload either decodes or fails with `undecodable_message`; a decoded
    /// message re-serializes and decodes to the same value; then `checkDecoded`.
    package static func checkAgentMessage(_ bytes: [UInt8]) throws(FuzzViolation) {
        let message: Commandhub_V1_AgentMessage
        do {
            message = try Commandhub_V1_AgentMessage(agentPayload: ByteBuffer(bytes: bytes))
        } catch {
            try FuzzViolation.require(
                error.code == "undecodable_message", "an undecodable payload must be undecodable_message, got \(error)")
            try Self.checkStreamEnd(error)
            return
        }
        try Self.checkDecoded(message)
    }

    /// What the hub derives from one decoded agent message, each step as production takes it:
    /// a Hello validates into an `AgentIdentity` (all limits held) or fails with `invalid_hello`;
    /// heartbeats and acks update a session; acks render the REST `command_result`; wallet
    /// snapshots go into a `WalletBook` and render as the wallets endpoint does. Every REST body
    /// built from agent data is valid JSON.
    package static func checkDecoded(_ message: Commandhub_V1_AgentMessage) throws(FuzzViolation) {
        do {
            let bytes: [UInt8] = try message.serializedBytes()
            let again = try Commandhub_V1_AgentMessage(serializedBytes: bytes)
            try FuzzViolation.require(again == message, "re-serializing a decoded message changed it: \(message) became \(again)")
        } catch let violation as FuzzViolation {
            throw violation
        } catch {
            throw FuzzViolation("a decoded message must re-serialize and decode again, got \(error)")
        }

        let session = AgentSession(
            remotePeer: "fuzz", outboxCapacity: 1, stream: DiscardingStream(), observer: DiscardingStream(),
            now: Date(timeIntervalSince1970: 1_700_000_000), monotonicNow: .zero
        )
        _ = session.accept(AgentCredential(name: "fuzz", labels: ["desk": "fuzz"]), monotonicNow: .zero)
        let heartbeat: Commandhub_V1_Heartbeat? = if case .heartbeat(let heartbeat) = message.kind { heartbeat } else { nil }
        session.touch(at: Date(timeIntervalSince1970: 1_700_000_001), monotonicNow: .seconds(1), heartbeat: heartbeat)
        let identity: AgentIdentity
        if case .hello(let hello) = message.kind {
            do {
                identity = try AgentIdentity(hello: hello)
            } catch {
                try FuzzViolation.require(error.code == "invalid_hello", "a refused Hello must be invalid_hello, got \(error)")
                try Self.checkStreamEnd(error)
                return
            }
            try Self.checkIdentity(identity, from: hello)
            _ = session.activate(identity, status: hello.status, at: Date(timeIntervalSince1970: 1_700_000_001))
        } else {
            identity = AgentIdentity(agentID: Self.fuzzAgentID, name: "fuzz")
            _ = session.activate(identity, status: .active, at: Date(timeIntervalSince1970: 1_700_000_001))
        }

        switch message.kind {
        case .ack(let ack):
            session.apply(ack)
            let result = CommandResult.json(ack, roundTripSeconds: 0.0125)
            let object = try Self.requireJSONObject(result, "command_result")
            try FuzzViolation.require(object["success"] as? Bool == ack.success, "command_result.success must be the ack's")
        case .walletSnapshot(let snapshot) where snapshot.balances.count <= 10_000:
            let book = WalletBook(writer: nil)
            book.record(
                snapshot.balances, of: identity.agentID, syncedAt: WireTime.date(milliseconds: snapshot.syncedAtMs) ?? Date(),
                complete: true, source: .snapshot
            )
            let wallets = book.wallets(of: identity.agentID)?.balances ?? []
            let assets = wallets.map(\.asset)
            try FuzzViolation.require(
                assets == Set(snapshot.balances.map(\.asset)).sorted(), "a complete snapshot must leave one balance per asset, sorted"
            )
            _ = try Self.requireJSONObject(
                .object([
                    ("synced_at", .preciseTimestamp(book.wallets(of: identity.agentID)?.syncedAt)),
                    ("wallets", .array(wallets.map(CommandResult.balance))),
                ]),
                "wallets"
            )
        case .hello, .heartbeat, .walletSnapshot, nil:
            break
        }
        guard let snapshot = session.snapshot() else { throw FuzzViolation("an activated session must have a snapshot") }
        _ = try Self.requireJSONObject(ClientResponses.detail(snapshot), "client detail")
        _ = try Self.requireJSONObject(ClientResponses.summary(snapshot), "client summary")
    }

    /// The agent every non-Hello message is taken to come from.
    private static let fuzzAgentID = UUID(
        uuid: (0x6F, 0x1C, 0x2A, 0x9E, 0x3B, 0x4D, 0x4C, 0x5E, 0x8F, 0x70, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66))

    /// The limits `AgentIdentity` promises for an accepted Hello.
    private static func checkIdentity(_ identity: AgentIdentity, from hello: Commandhub_V1_Hello) throws(FuzzViolation) {
        let limit = AgentIdentity.maxTextLength
        try FuzzViolation.require(UUID(uuidString: hello.agentID) == identity.agentID, "agent_id must be the Hello's UUID")
        try FuzzViolation.require(
            [identity.name, identity.version, identity.exchange].allSatisfy { $0.count <= limit }, "name, version, exchange within \(limit)"
        )
        try FuzzViolation.require(!identity.name.isEmpty, "an accepted agent has a name")
        try FuzzViolation.require(identity.labels.count <= AgentIdentity.maxLabels, "at most \(AgentIdentity.maxLabels) labels")
        try FuzzViolation.require(
            identity.labels.allSatisfy { !$0.key.isEmpty && $0.key.count <= limit && $0.value.count <= limit }, "labels within limits"
        )
        try FuzzViolation.require(identity.capabilities.count <= AgentIdentity.maxLabels, "at most \(AgentIdentity.maxLabels) capabilities")
    }

    /// The end of a stream the hub closes for `error`: the trailers it writes must build, and
    /// `grpc-message` must be printable ASCII (it is percent-encoded agent text).
    package static func checkStreamEnd(_ error: HubError) throws(FuzzViolation) {
        _ = GRPCFrames.trailers(error.grpcStatus, message: error.message, metadata: [("hub-error", error.code)], headersSent: true)
        let encoded = GRPCFrames.percentEncoded(error.message)
        try FuzzViolation.require(
            encoded.utf8.allSatisfy { (0x20...0x7E).contains($0) }, "grpc-message must be printable ASCII, got \(encoded.debugDescription)"
        )
    }
}

/// A stream (and observer) that drops what it is given: the fuzz targets never send commands.
private struct DiscardingStream: SessionStream, SessionObserver {
    func write(_ command: Commandhub_V1_Command, id: UUID, session: AgentSession) {
        session.written(id, succeeded: false)
    }

    func finish(_ reason: SessionEnd, accepted: Bool) {}
    func sessionEnded(_ session: AgentSession) {}
    func commandWritten(_ id: UUID, on session: AgentSession, succeeded: Bool) {}
}
