import Foundation
import HubCore

extension StoreWriter {
    /// Folds a batch before it is written: a command created in this batch gets its `sent` and
    /// final writes merged into its insert — one row written once instead of an insert and two
    /// updates that each look the row up again. Under load most commands live within a batch
    /// or two, so this takes most of the per-command SQL away. The result is the same rows as
    /// applying the writes one by one: the merges follow the updates' own guards (`sent` only
    /// from `pending`, a final state only from `pending` or `sent`), and every other write keeps
    /// its place after the insert it may refer to.
    package static func fold(_ writes: [StoreWrite]) -> [StoreWrite] {
        var folded: [StoreWrite] = []
        folded.reserveCapacity(writes.count)
        var rows: [UUID: Int] = [:]
        for write in writes {
            switch write {
            case .commandCreated(let record):
                rows[record.commandID] = folded.count
                folded.append(.commandRow(record, sentAt: nil, final: nil))
            case .commandSent(let id, let at):
                if let index = rows[id], case .commandRow(let record, nil, nil) = folded[index] {
                    folded[index] = .commandRow(record, sentAt: at, final: nil)
                } else {
                    folded.append(write)
                }
            case .commandFinished(let final):
                if let index = rows[final.commandID], case .commandRow(let record, let sentAt, nil) = folded[index] {
                    folded[index] = .commandRow(record, sentAt: sentAt ?? final.sentAt, final: final)
                } else {
                    folded.append(write)
                }
            default:
                folded.append(write)
            }
        }
        return folded
    }
}
