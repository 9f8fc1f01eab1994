/// What learns of every command once it is final, besides the journal: the live events, the
/// metrics, the wallets a `sync_wallets` answer carries. Given to the dispatcher where it is
/// built, so what happens after an ack is visible in one place.
///
/// Contract: called once per command, synchronously on the task that resolved it; it must be
/// short and must not block.
package protocol CommandSink: Sendable {
    func commandFinished(_ report: CommandReport)
}
