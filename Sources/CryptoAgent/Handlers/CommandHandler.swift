import Foundation
import Logging
import Synchronization
import Wire

/// Executes the hub's commands and produces exactly one ack per command id.
///
/// Contract: a command id already finished is answered from the `FinishedCommandStore`
/// (`replayed = true`) and not executed again; a duplicate that arrives while the first copy
/// still runs waits for that run's ack. Every ack is recorded before it is returned, so an
/// agent restart between execution and ack cannot execute the command a second time — except
/// an `outcome_unknown` one: the command is not finished, and a later lookup (or copy) must ask
/// the exchange again, which never sends the order twice (see `BinanceExchange`).
public final class CommandHandler: Sendable {
    let state: AgentState
    let exchange: any ExchangeConnector
    let finished: any FinishedCommandStore
    let limits: SellLimits
    let logger: Logger
    private let running = Mutex<[String: [CheckedContinuation<Commandhub_V1_CommandAck?, Never>]]>([:])

    public init(
        state: AgentState, exchange: any ExchangeConnector, finished: any FinishedCommandStore, limits: SellLimits = SellLimits(),
        logger: Logger = Logger(label: "crypto-agent.commands")
    ) {
        self.state = state
        self.exchange = exchange
        self.finished = finished
        self.limits = limits
        self.logger = logger
    }

    /// Handles one command; `hubClockOffsetMs` corrects the hub's deadline for clock skew.
    /// Every ack carries the agent's state as it is now (`agent_state`).
    public func handle(_ command: Commandhub_V1_Command, hubClockOffsetMs: Int64 = 0) async -> Commandhub_V1_CommandAck {
        var ack = await self.answer(command, hubClockOffsetMs: hubClockOffsetMs)
        ack.agentState = self.state.heartbeat()
        return ack
    }

    private func answer(_ command: Commandhub_V1_Command, hubClockOffsetMs: Int64) async -> Commandhub_V1_CommandAck {
        let id = command.commandID.lowercased()
        // A read (ping, status) changes nothing: running it again is harmless, so it is neither
        // looked up in nor written to the record — the record is for what must never run twice.
        let recorded = command.lookupOnly || !Self.isRead(command)
        do {
            if recorded, var replay = try await self.finished.ack(for: id) {
                replay.replayed = true
                return replay
            }
        } catch {
            return self.failure(id, error)
        }
        // Join a run of the same id in progress instead of starting a second one.
        let joined: Commandhub_V1_CommandAck? = await withCheckedContinuation { continuation in
            let isDuplicate = self.running.withLock { running -> Bool in
                if running[id] != nil {
                    running[id]?.append(continuation)
                    return true
                }
                running[id] = []
                return false
            }
            if !isDuplicate { continuation.resume(returning: nil) }
        }
        if var joined {
            joined.replayed = true
            return joined
        }

        let ack: Commandhub_V1_CommandAck
        if command.lookupOnly {
            ack = await self.lookUp(id)
        } else {
            self.state.commandStarted()
            var executed = await self.execute(command, hubClockOffsetMs: hubClockOffsetMs)
            executed.commandID = id
            if executed.status == .unspecified { executed.status = self.state.status.wire }
            if recorded, executed.errorCode != AgentError.outcomeUnknown("").code {
                await self.record(executed, action: command.action?.name ?? "unknown")
            }
            self.state.commandFinished(success: executed.success)
            ack = executed
        }
        let waiters = self.running.withLock { $0.removeValue(forKey: id) ?? [] }
        for waiter in waiters { waiter.resume(returning: ack) }
        return ack
    }

    /// Whether a command only reads: the agent's clock or its status.
    static func isRead(_ command: Commandhub_V1_Command) -> Bool {
        switch command.action {
        case .ping, .requestStatus: true
        case .pause, .resume, .syncWallets, .sell, nil: false
        }
    }

    /// Reconciliation never executes. A sell the exchange executed (its client order id is the
    /// command id) but the agent never recorded — it died in between — is found on the exchange
    /// and recorded now. Anything else is recorded as never run, so a late copy of the original
    /// is answered "not executed" too instead of running.
    private func lookUp(_ id: String) async -> Commandhub_V1_CommandAck {
        var ack: Commandhub_V1_CommandAck
        do {
            if let fill = try await self.exchange.order(clientOrderID: id) {
                ack = self.success(id, "\(Self.describe(fill)) (found on the exchange)")
                ack.sellFill = Self.wire(fill)
                await self.record(ack, action: "sell")
                return ack
            }
        } catch {
            // The exchange cannot tell: say so without recording, so a later lookup may know.
            return self.failure(id, error)
        }
        ack = self.refusal(
            id, code: WireCodes.notExecuted, message: "The agent has no record of executing this command; it will not execute it")
        await self.record(ack, action: "lookup")
        return ack
    }

    /// Records a finished command before its ack may leave; a failure is logged (the ack still
    /// goes out: the hub learns the outcome, and the exchange dedupes sells on their order id).
    private func record(_ ack: Commandhub_V1_CommandAck, action: String) async {
        do {
            try await self.finished.record(ack, action: action)
        } catch {
            self.logger.error("could not record finished command", metadata: ["command_id": "\(ack.commandID)", "error": "\(error)"])
        }
    }

    private func execute(_ command: Commandhub_V1_Command, hubClockOffsetMs: Int64) async -> Commandhub_V1_CommandAck {
        let now = WireTime.nowMilliseconds() + hubClockOffsetMs
        if command.deadlineMs > 0, now > command.deadlineMs {
            return self.refusal(command.commandID, code: "deadline_passed", message: "Command arrived after its deadline; not executed")
        }
        do {
            switch command.action {
            case .pause:
                let changed = self.state.pause()
                return self.success(command.commandID, changed ? "Client paused successfully" : "Client already paused")
            case .resume:
                let changed = self.state.resume()
                return self.success(command.commandID, changed ? "Client resumed successfully" : "Client already active")
            case .ping:
                var ack = self.success(command.commandID, "Pong received")
                var pong = Commandhub_V1_Pong()
                pong.agentTimeMs = WireTime.nowMilliseconds()
                pong.issuedAtMs = command.issuedAtMs
                ack.pong = pong
                return ack
            case .syncWallets(let sync):
                return try await self.syncWallets(command.commandID, symbols: sync.symbols)
            case .requestStatus(let request):
                return self.status(command.commandID, includeStats: request.includeStats)
            case .sell(let sell):
                return try await self.sell(command.commandID.lowercased(), sell)
            case nil:
                throw AgentError.unsupported("unknown action")
            }
        } catch {
            return self.failure(command.commandID, error)
        }
    }

    private func syncWallets(_ id: String, symbols: [String]) async throws(AgentError) -> Commandhub_V1_CommandAck {
        try self.state.beginSync(requested: true)
        let balances: [WalletBalance]
        do {
            balances = try await self.exchange.balances(symbols: symbols.map { $0.uppercased() })
        } catch {
            self.state.endSync(walletsSynced: nil)
            throw error
        }
        let syncedAt = Date()
        if symbols.isEmpty {
            self.state.endSync(walletsSynced: balances.count, at: syncedAt)
        } else {
            self.state.endSync(walletsSynced: max(self.state.snapshot.walletsSynced, balances.count), at: syncedAt)
        }
        var ack = self.success(id, "Wallet sync completed for \(balances.count) coins")
        var result = Commandhub_V1_Balances()
        result.balances = balances.map(Self.wire)
        result.syncedAtMs = WireTime.milliseconds(syncedAt)
        ack.balances = result
        return ack
    }

    /// A sell preview (never refused, it lists what would block) or execution: refused while
    /// paused or past a limit; executed on the exchange with the hub's client order id.
    private func sell(_ id: String, _ sell: Commandhub_V1_Sell) async throws(AgentError) -> Commandhub_V1_CommandAck {
        let request = try SellRequest(wire: sell)
        // The agent's own policy answers before the exchange is asked anything.
        if !sell.previewOnly, let allowed = self.limits.allowedAssets, !allowed.contains(request.asset) {
            throw .assetNotAllowed(request.asset)
        }
        var preview = try await self.exchange.previewSell(request)
        let violations = self.limits.violations(of: preview)
        let paused = self.state.status == .paused
        if sell.previewOnly {
            preview.limitsHit += violations.map(\.code) + (paused ? ["paused"] : [])
            var ack = self.success(id, Self.describe(preview))
            ack.sellPreview = Self.wire(preview)
            return ack
        }
        if paused { throw .paused }
        if let violation = violations.first { throw violation }
        let fill = try await self.exchange.executeSell(request, clientOrderID: sell.clientOrderID.isEmpty ? id : sell.clientOrderID)
        var ack = self.success(id, Self.describe(fill))
        ack.sellFill = Self.wire(fill)
        return ack
    }

    private func status(_ id: String, includeStats: Bool) -> Commandhub_V1_CommandAck {
        let snapshot = self.state.snapshot
        let lastSync = snapshot.lastSync.map { Self.ago(Date().timeIntervalSince($0)) } ?? "never"
        var ack = self.success(id, "Status: \(snapshot.status.rawValue), Wallets: \(snapshot.walletsSynced), Last sync: \(lastSync)")
        var report = Commandhub_V1_StatusReport()
        report.status = snapshot.status.wire
        report.walletsSynced = UInt32(clamping: snapshot.walletsSynced)
        report.syncRequests = snapshot.syncRequests
        report.lastSyncMs = snapshot.lastSync.map(WireTime.milliseconds) ?? 0
        report.uptimeMs = Int64(Date().timeIntervalSince(snapshot.startedAt) * 1000)
        report.commandsHandled = snapshot.commandsHandled
        report.commandsFailed = snapshot.commandsFailed
        if includeStats {
            report.stats = [
                "exchange": self.exchange.name,
                "in_flight": "\(snapshot.inFlight)",
                "commands_handled": "\(snapshot.commandsHandled)",
                "commands_failed": "\(snapshot.commandsFailed)",
                "sync_requests": "\(snapshot.syncRequests)",
                "uptime_seconds": "\(Int(Date().timeIntervalSince(snapshot.startedAt)))",
            ]
        }
        ack.statusReport = report
        return ack
    }

    func success(_ id: String, _ message: String) -> Commandhub_V1_CommandAck {
        var ack = Commandhub_V1_CommandAck()
        ack.commandID = id
        ack.success = true
        ack.message = message
        ack.status = self.state.status.wire
        return ack
    }

    func refusal(_ id: String, code: String, message: String) -> Commandhub_V1_CommandAck {
        var ack = Commandhub_V1_CommandAck()
        ack.commandID = id
        ack.success = false
        ack.errorCode = code
        ack.message = message
        ack.status = self.state.status.wire
        return ack
    }

    func failure(_ id: String, _ error: any Error) -> Commandhub_V1_CommandAck {
        if let error = error as? AgentError { return self.refusal(id, code: error.code, message: error.description) }
        return self.refusal(id, code: "internal", message: "\(error)")
    }

    static func wire(_ balance: WalletBalance) -> Commandhub_V1_Balance {
        var wire = Commandhub_V1_Balance()
        wire.asset = balance.asset
        wire.free = DecimalText.format(balance.free)
        wire.locked = DecimalText.format(balance.locked)
        return wire
    }

    static func describe(_ preview: SellPreview) -> String {
        let summary =
            "sell \(DecimalText.format(preview.quantity)) \(preview.asset) at \(DecimalText.format(preview.price)) "
            + "for \(DecimalText.format(preview.net)) \(preview.quoteAsset) net (fee \(DecimalText.format(preview.fee)))"
        return preview.limitsHit.isEmpty
            ? "Preview: " + summary : "Preview: would be refused (\(preview.limitsHit.joined(separator: ", "))): " + summary
    }

    /// "Sold 0.25 BTC at 43125.5 for 10770.59 USDT net (fee 10.78)"; the fee's asset when it is
    /// not the quote asset, and a partial fill as what was executed of what was asked.
    static func describe(_ fill: SellFill) -> String {
        var fees = DecimalText.format(fill.fee) + (fill.feeAsset.map { " " + $0 } ?? "")
        for (asset, amount) in fill.additionalFees.sorted(by: { $0.key < $1.key }) { fees += " + \(DecimalText.format(amount)) \(asset)" }
        var sold = "\(DecimalText.format(fill.quantity)) \(fill.asset)"
        if let requested = fill.requestedQuantity {
            let status = fill.exchangeStatus ?? "ended"
            sold = "\(DecimalText.format(fill.quantity)) of \(DecimalText.format(requested)) \(fill.asset)"
            sold += " (partial fill, \(status): the rest was not executed)"
        }
        return "Sold \(sold) at \(DecimalText.format(fill.price)) for \(DecimalText.format(fill.net)) \(fill.quoteAsset) net (fee \(fees))"
    }

    static func wire(_ preview: SellPreview) -> Commandhub_V1_SellPreview {
        var wire = Commandhub_V1_SellPreview()
        wire.asset = preview.asset
        wire.quoteAsset = preview.quoteAsset
        wire.quantity = DecimalText.format(preview.quantity)
        wire.price = DecimalText.format(preview.price)
        wire.gross = DecimalText.format(preview.gross)
        wire.fee = DecimalText.format(preview.fee)
        wire.net = DecimalText.format(preview.net)
        wire.feeRate = DecimalText.format(preview.feeRate)
        wire.available = DecimalText.format(preview.available)
        wire.limitsHit = preview.limitsHit
        return wire
    }

    static func wire(_ fill: SellFill) -> Commandhub_V1_SellFill {
        var wire = Commandhub_V1_SellFill()
        wire.orderID = fill.orderID
        wire.clientOrderID = fill.clientOrderID
        wire.asset = fill.asset
        wire.quoteAsset = fill.quoteAsset
        wire.quantity = DecimalText.format(fill.quantity)
        wire.price = DecimalText.format(fill.price)
        wire.gross = DecimalText.format(fill.gross)
        wire.fee = DecimalText.format(fill.fee)
        wire.net = DecimalText.format(fill.net)
        wire.executedAtMs = WireTime.milliseconds(fill.executedAt)
        return wire
    }

    /// "45s ago", "2m ago", "3h ago", "2d ago".
    static func ago(_ seconds: TimeInterval) -> String {
        let seconds = max(0, Int(seconds))
        switch seconds {
        case ..<60: return "\(seconds)s ago"
        case ..<3600: return "\(seconds / 60)m ago"
        case ..<86_400: return "\(seconds / 3600)h ago"
        default: return "\(seconds / 86_400)d ago"
        }
    }
}
