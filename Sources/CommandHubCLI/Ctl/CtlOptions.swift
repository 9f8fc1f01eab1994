import ArgumentParser
import Foundation

/// The options every `ctl` command takes: which hub, which token, and tables or JSON.
///
/// The URL is `--url`, else `$COMMANDHUB_URL`, else the URL of the saved login, else
/// `http://127.0.0.1:8080`. The token is `--token`, else `$COMMANDHUB_TOKEN`, else the saved
/// login's — only when it was made for the same URL, so a token never goes to another hub.
struct CtlOptions: ParsableArguments {
    static let defaultURL = "http://127.0.0.1:8080"

    @Option(
        help: ArgumentHelp(
            "The hub's REST base URL (env COMMANDHUB_URL; default: the URL of `ctl login`, else \(CtlOptions.defaultURL)).",
            valueName: "url"
        ))
    var url: String?

    @Option(help: ArgumentHelp("Bearer token (env COMMANDHUB_TOKEN; default: the one `ctl login` saved).", valueName: "token"))
    var token: String?

    @Flag(help: "Print the hub's JSON unchanged (one document per line) instead of tables.")
    var json = false

    var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// Where the saved login lives.
    var loginPath: String { SavedLogin.path(environment: self.environment) }

    /// The URL without the saved login (for `ctl login` itself).
    func explicitURL() throws -> String? {
        guard let raw = self.url ?? self.environment["COMMANDHUB_URL"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        return try Self.normalized(raw)
    }

    /// A client for the hub these options name, with the token they resolve to (if any).
    func client() throws -> HubClient {
        let saved: SavedLogin?
        do {
            saved = try SavedLogin.load(from: self.loginPath)
        } catch {
            throw CtlExit.fail(CtlExit.usage, error.description)
        }
        let url = try self.explicitURL() ?? saved.map { try Self.normalized($0.url) } ?? Self.defaultURL
        let token =
            self.token
            ?? self.environment["COMMANDHUB_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            ?? saved.flatMap { (try? Self.normalized($0.url)) == url ? $0.token : nil }
        return HubClient(baseURL: url, token: token)
    }

    /// `http(s)://host[:port]` with any trailing slash removed; anything else is a usage error.
    static func normalized(_ raw: String) throws -> String {
        var text = raw.trimmingCharacters(in: .whitespaces)
        while text.hasSuffix("/") { text.removeLast() }
        guard let components = URLComponents(string: text), ["http", "https"].contains(components.scheme?.lowercased() ?? ""),
            components.host?.isEmpty == false
        else {
            throw CtlExit.fail(CtlExit.usage, "the hub URL must be http:// or https://, got \"\(raw)\"")
        }
        return text
    }
}
