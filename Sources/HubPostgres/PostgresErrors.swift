import PostgresNIO

/// One line for a PostgreSQL error: the server's own message when it sent one, else what
/// failed on the client's side (connection refused, closed, timed out). PSQLError's own
/// `description` is deliberately generic; this keeps the details out of REST bodies except
/// the server's message.
package enum PostgresErrors {
    package static func describe(_ error: any Error) -> String {
        let error = Self.cause(error)
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "PostgreSQL: \(message)\(state)"
        }
        if let underlying = error.underlying {
            return "PostgreSQL unreachable (\(error.code)): \(underlying)"
        }
        return "PostgreSQL unreachable (\(error.code))"
    }

    /// What really failed in a transaction: the body's error, else beginning or committing it.
    package static func cause(_ error: any Error) -> any Error {
        guard let error = error as? PostgresTransactionError else { return error }
        return error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error
    }
}
