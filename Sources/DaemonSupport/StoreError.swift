/// Why a store could not be opened at start-up. The hub refuses to start (exit 74) and names
/// the file; it never deletes, recreates or "repairs" a file it cannot read.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or its directory cannot be opened or created (permissions, missing directory).
    case cannotOpen(path: String, reason: String)
    /// The file is not a healthy SQLite database.
    case corrupt(path: String, reason: String)
    /// The schema could not be brought up to date.
    case migrationFailed(path: String, reason: String)
    /// The file was written by a newer CommandHub (a migration this build does not know).
    case newerSchema(path: String, migration: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open the database \(path): \(reason)"
        case .corrupt(let path, let reason):
            "the database \(path) is damaged (\(reason)); it was left untouched — restore it from a backup or move it away"
        case .migrationFailed(let path, let reason): "cannot migrate the database \(path): \(reason)"
        case .newerSchema(let path, let migration):
            "the database \(path) was written by a newer version (migration \(migration)); upgrade commandhub"
        }
    }
}
