import Foundation
import HubCore
import Wire

/// The command log in the hub's database: every command with who asked, its parameters, its
/// state through the lifecycle, its result and its times, plus bulk jobs.
///
/// It is the dispatcher's `CommandJournal`. Everything is buffered and batched by the
/// `StoreWriter`; only a durable create (sells) waits for the disk. While the database refuses
/// writes, new commands and jobs are refused with `storeUnavailable`.
package final class CommandLog: CommandJournal {
    package let writer: StoreWriter

    package init(writer: StoreWriter) {
        self.writer = writer
    }

    package func commandCreated(_ record: CommandRecord, durable: Bool) async throws(HubError) {
        if durable {
            try await self.writer.appendDurably(.commandCreated(record))
        } else {
            try self.writer.append(new: .commandCreated(record))
        }
    }

    package func commandSent(_ id: UUID, at: Date) {
        self.writer.append(.commandSent(id, at: at))
    }

    package func commandFinished(_ report: CommandReport) {
        var final = CommandFinal(commandID: report.commandID, state: report.state, sentAt: report.sentAt, finishedAt: report.finishedAt)
        final.errorCode = report.errorCode
        if let ack = report.ack {
            final.message = ack.message
            let roundTrip = (report.sentAt ?? report.issuedAt).distance(to: report.finishedAt)
            final.result = CommandResult.json(ack, roundTripSeconds: roundTrip).text
        } else if report.error != nil {
            final.message = report.outcome.description
        }
        self.writer.append(.commandFinished(final))
    }

    package func commandReconciled(_ id: UUID, agentID: UUID, ack: Commandhub_V1_CommandAck?, at: Date) {
        let body: JSON = .object([
            ("executed", .bool(ack != nil)),
            ("command_result", ack.map { CommandResult.json($0, roundTripSeconds: nil) } ?? .null),
        ])
        self.writer.append(.commandReconciled(id, agentID: agentID, at: at, result: body.text))
    }

    /// Records a new bulk job; refused while the database refuses writes.
    package func jobCreated(_ job: JobRecord) throws(HubError) {
        try self.writer.append(new: .jobCreated(job))
    }

    package func jobFinished(_ jobID: UUID, report: BulkReport, at: Date) {
        self.jobFinished(jobID, totals: BulkTotals(report), at: at)
    }

    package func jobFinished(_ jobID: UUID, totals: BulkTotals, at: Date) {
        self.writer.append(
            .jobFinished(
                JobResult(
                    jobID: jobID, finishedAt: at, targeted: totals.targeted, succeeded: totals.succeeded, failed: totals.failed,
                    timedOut: totals.timedOut, undeliverable: totals.undeliverable, skipped: totals.skipped
                )))
    }
}

extension CommandOutcome: CustomStringConvertible {
    /// One line for the log's `message` when there was no answer.
    package var description: String {
        switch self {
        case .answered(let ack): ack.message
        case .timedOut(let after): "No ack within \(after.secondsText)s"
        case .undeliverable(let reason): reason.description
        case .cancelled: "The caller went away before an answer"
        }
    }
}
