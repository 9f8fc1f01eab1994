import Testing

@testable import CryptoAgent

@Suite("AgentState")
struct AgentStateTests {
    @Test func pauseAndResumeMoveBetweenActiveAndPaused() {
        let state = AgentState()
        #expect(state.status == .active)
        #expect(state.pause())
        #expect(state.status == .paused)
        #expect(!state.pause())
        #expect(state.resume())
        #expect(state.status == .active)
        #expect(!state.resume())
    }

    @Test func syncIsRefusedWhilePaused() {
        let state = AgentState(paused: true)
        #expect(throws: AgentError.paused) { try state.beginSync(requested: true) }
        #expect(state.snapshot.syncRequests == 0)
    }

    @Test func syncingLastsUntilTheLastSyncEnds() throws {
        let state = AgentState()
        try state.beginSync(requested: true)
        try state.beginSync(requested: false)
        #expect(state.status == .syncing)
        state.endSync(walletsSynced: 3)
        #expect(state.status == .syncing)
        state.endSync(walletsSynced: 3)
        #expect(state.status == .active)
        #expect(state.snapshot.walletsSynced == 3)
        #expect(state.snapshot.syncRequests == 1)
    }

    @Test func pauseDuringSyncWinsWhenTheSyncEnds() throws {
        let state = AgentState()
        try state.beginSync(requested: false)
        state.pause()
        #expect(state.status == .paused)
        state.endSync(walletsSynced: 2)
        #expect(state.status == .paused)
    }
}
