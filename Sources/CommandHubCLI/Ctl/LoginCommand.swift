import ArgumentParser
import Foundation

/// `ctl login`: exchanges a name and password for a token and saves it for the hub's URL.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Log in and save the token (mode 0600) for the following commands.",
        discussion: """
            Saves {url, username, token, expires_at} in $COMMANDHUB_CTL_CONFIG, else \
            $XDG_CONFIG_HOME/commandhub/ctl.json, else ~/.config/commandhub/ctl.json. The password \
            is asked for without echo; when standard input is not a terminal, pass --password-stdin.

            \(CtlExit.help)
            """
    )

    @Option(help: "Account name (asked for when omitted on a terminal).")
    var username: String?

    @Flag(help: "Read the password from the first line of standard input.")
    var passwordStdin = false

    @OptionGroup var options: CtlOptions

    func run() async throws {
        let url = try self.options.explicitURL() ?? CtlOptions.defaultURL
        guard let username = self.username ?? (Terminal.isInteractive ? Terminal.ask("Username: ") : nil), !username.isEmpty else {
            throw CtlExit.fail(CtlExit.usage, "give --username (standard input is not a terminal to ask on)")
        }
        let password: String?
        if self.passwordStdin {
            password = readLine(strippingNewline: true)
        } else if Terminal.isInteractive {
            password = Terminal.askSecret("Password for \(username) at \(url): ")
        } else {
            throw CtlExit.fail(CtlExit.usage, "standard input is not a terminal: pass the password with --password-stdin")
        }
        guard let password, !password.isEmpty else { throw CtlExit.fail(CtlExit.usage, "no password given") }

        let hub = HubClient(baseURL: url, token: nil)
        let body = "{\"username\":\(JSONValue.quote(username)),\"password\":\(JSONValue.quote(password))}"
        let reply = try await hub.send(.post, "/api/auth/token", body: body)
        let answer = try reply.accepted(json: self.options.json, hint: "check the user name and password")
        guard let token = answer["access_token"].string else {
            throw CtlExit.fail(CtlExit.failed, "the hub's answer has no access_token")
        }
        let saved = SavedLogin(url: url, username: username, token: token, expiresAt: answer["expires_at"].string)
        do {
            try saved.save(to: self.options.loginPath)
        } catch {
            throw CtlExit.fail(CtlExit.failed, error.description)
        }
        if self.options.json {
            Output.line(reply.text)
        } else {
            Output.line("Logged in to \(url) as \(username) (role \(answer["role"].cell)); token valid until \(answer["expires_at"].cell)")
        }
    }
}

/// `ctl logout`: forgets the saved token.
struct LogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Remove the saved login (the token itself stays valid until it expires)."
    )

    @OptionGroup var options: CtlOptions

    func run() async throws {
        let removed: Bool
        do {
            removed = try SavedLogin.remove(at: self.options.loginPath)
        } catch {
            throw CtlExit.fail(CtlExit.failed, error.description)
        }
        if !self.options.json { Output.line(removed ? "Logged out" : "Not logged in") }
    }
}
