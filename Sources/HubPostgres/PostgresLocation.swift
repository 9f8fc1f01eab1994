import DaemonSupport
import Foundation
import HubCore
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL (the `store.url` key), read
/// into PostgresNIO's client configuration. `sslmode`: `disable`, `prefer` (the default: TLS
/// when the server offers it) or `require`.
package struct PostgresLocation: Sendable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var username: String
    package var password: String?
    package var database: String
    package var tls: TLSMode

    package enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    /// Whether `url` names PostgreSQL (`postgres://` or `postgresql://`).
    package static func isPostgres(_ url: String) -> Bool {
        url.hasPrefix("postgres://") || url.hasPrefix("postgresql://")
    }

    package init(url: String) throws(StoreError) {
        guard Self.isPostgres(url), let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw .cannotOpen(path: Self.redacted(url), reason: "not a postgres://user:password@host:port/database URL")
        }
        guard let username = components.user, !username.isEmpty else {
            throw .cannotOpen(path: Self.redacted(url), reason: "the URL names no user")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard let tls = TLSMode(rawValue: mode) else {
            throw .cannotOpen(path: Self.redacted(url), reason: "sslmode must be disable, prefer or require")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.username = username.removingPercentEncoding ?? username
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.isEmpty ? username : database
        self.tls = tls
    }

    /// The same server and credentials, another database (the tests' throwaway ones).
    package func with(database: String) -> PostgresLocation {
        var copy = self
        copy.database = database
        return copy
    }

    package var configuration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch self.tls {
            case .disable: .disable
            case .prefer: .prefer(.makeClientConfiguration())
            case .require: .require(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: self.host, port: self.port, username: self.username, password: self.password, database: self.database, tls: tls)
        configuration.options.maximumConnections = 8
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The URL with its password (percent-encoded), as `store.url` takes it.
    package var url: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = self.username
        components.password = self.password
        components.host = self.host
        components.port = self.port
        components.path = "/" + self.database
        components.queryItems = [URLQueryItem(name: "sslmode", value: self.tls.rawValue)]
        return components.string ?? self.description
    }

    /// The URL without its password, for logs and errors.
    package var description: String {
        "postgres://\(self.username)@\(self.host):\(self.port)/\(self.database)"
    }

    private static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "…"
        return components.string ?? "postgres://…"
    }
}
