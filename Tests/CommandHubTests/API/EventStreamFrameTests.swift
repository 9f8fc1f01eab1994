import Foundation
import NIOCore
import Testing
import Wire

@testable import CommandHub
@testable import HubCore
@testable import HubLink
@testable import HubStorage
@testable import HubAPI

@Suite("EventStreamFrame")
struct EventStreamFrameTests {
    @Test func eventIsIdEventAndOneDataLineThenABlankLine() {
        let snapshot = AgentSnapshot(
            identity: AgentIdentity(
                agentID: UUID(uuidString: "00000000-0000-0000-0000-0000000000AB")!, name: "bot\nnewline", version: "1.0.0",
                exchange: "paper", labels: ["desk": "spot"]),
            connected: true, status: .active, walletsSynced: 0, syncRequests: 0, inFlight: 0, lastSync: nil, lastHeartbeat: nil,
            lastSeen: Date(), connectedAt: Date(), sessionID: nil, remotePeer: nil, credentialName: nil
        )
        let event = HubEvent.connected(snapshot, at: Date(timeIntervalSince1970: 1_763_116_200.125))
        let text = String(buffer: EventStreamFrame.event(id: 42, event))
        #expect(
            text == """
                id: 42
                event: agent_connected
                data: {"type":"agent_connected","at":"2025-11-14T10:30:00.125Z","client_id":"00000000-0000-0000-0000-0000000000ab",\
                "client_name":"bot\\nnewline","exchange":"paper","version":"1.0.0","labels":{"desk":"spot"}}


                """)
    }

    @Test func keepaliveIsACommentAndOverflowHasNoID() {
        #expect(String(buffer: EventStreamFrame.keepalive) == ": keepalive\n\n")
        let overflow = String(buffer: EventStreamFrame.overflow(lastDelivered: 7, capacity: 1024, at: Date(timeIntervalSince1970: 0)))
        #expect(
            overflow.hasPrefix(
                "event: overflow\ndata: {\"type\":\"overflow\",\"at\":\"1970-01-01T00:00:00.000Z\",\"last_event_id\":7,\"capacity\":1024,"))
        #expect(overflow.hasSuffix("}\n\n"))
        #expect(!overflow.contains("id: "))
    }
}
