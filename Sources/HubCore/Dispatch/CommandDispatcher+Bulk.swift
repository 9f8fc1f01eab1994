import DaemonSupport
import Foundation
import Wire

/// How a bulk action fans out.
package struct BulkOptions: Sendable, Equatable {
    /// Deadline of each command.
    package var timeout: Duration
    /// At most this many commands in flight at once.
    package var maxConcurrency: Int
    /// Stop sending once more than this many commands did not succeed; nil means no budget.
    package var maxFailures: Int?

    package init(timeout: Duration, maxConcurrency: Int, maxFailures: Int? = nil) {
        self.timeout = timeout
        self.maxConcurrency = max(1, maxConcurrency)
        self.maxFailures = maxFailures
    }
}

/// The result of one bulk action: one entry per targeted agent, in target order.
package struct BulkReport: Sendable {
    package enum Item: Sendable {
        /// The command ran to a final state.
        case finished(CommandReport)
        /// Not sent because the error budget was spent first.
        case skipped(agentID: UUID)

        package var agentID: UUID {
            switch self {
            case .finished(let report): report.agentID
            case .skipped(let agentID): agentID
            }
        }
    }

    package let items: [Item]

    package init(
        items: [Item]
    ) {
        self.items = items
    }

    package var targeted: Int { self.items.count }
    package var succeeded: Int { self.count { $0.state == .acknowledged } }
    package var failed: Int { self.count { $0.state == .failed || $0.state == .cancelled } }
    package var timedOut: Int { self.count { $0.state == .timedOut } }
    package var undeliverable: Int { self.count { $0.state == .undeliverable } }
    /// True when at least one command was put on an agent's stream.
    package var anyDelivered: Bool {
        self.items.contains { item in
            if case .finished(let report) = item { return report.sentAt != nil }
            return false
        }
    }
    package var skipped: Int {
        self.items.reduce(0) { total, item in if case .skipped = item { total + 1 } else { total } }
    }

    private func count(_ predicate: (CommandReport) -> Bool) -> Int {
        self.items.reduce(0) { total, item in
            if case .finished(let report) = item, predicate(report) { total + 1 } else { total }
        }
    }
}

extension CommandDispatcher {
    /// Sends the same action to every agent in `agentIDs` concurrently (bounded by
    /// `maxConcurrency`) and returns when all are final. With everything in flight at once the
    /// whole takes about one timeout, never the sum of them.
    package func sendToMany(
        _ action: Commandhub_V1_Command.OneOf_Action, to agentIDs: [UUID], options: BulkOptions, origin: CommandOrigin = CommandOrigin()
    ) async -> BulkReport {
        var failures = 0
        let reports = await agentIDs.concurrentMap(
            limit: options.maxConcurrency,
            proceed: { report in
                if report.state != .acknowledged { failures += 1 }
                return options.maxFailures.map { failures <= $0 } ?? true
            },
            { agentID in await self.send(action, to: agentID, timeout: options.timeout, origin: origin) }
        )
        return BulkReport(
            items: zip(agentIDs, reports).map { agentID, report in
                report.map(BulkReport.Item.finished) ?? .skipped(agentID: agentID)
            })
    }
}

/// A bulk action's counts, summed over the hubs that ran a part of it.
package struct BulkTotals: Sendable, Equatable {
    package var targeted = 0
    package var succeeded = 0
    package var failed = 0
    package var timedOut = 0
    package var undeliverable = 0
    package var skipped = 0

    package init() {}

    package init(_ report: BulkReport) {
        self.targeted = report.targeted
        self.succeeded = report.succeeded
        self.failed = report.failed
        self.timedOut = report.timedOut
        self.undeliverable = report.undeliverable
        self.skipped = report.skipped
    }

    package static func + (lhs: BulkTotals, rhs: BulkTotals) -> BulkTotals {
        var sum = lhs
        sum.targeted += rhs.targeted
        sum.succeeded += rhs.succeeded
        sum.failed += rhs.failed
        sum.timedOut += rhs.timedOut
        sum.undeliverable += rhs.undeliverable
        sum.skipped += rhs.skipped
        return sum
    }
}
