import ArgumentParser
import Foundation

extension HubClient.Reply {
    /// The reply's JSON when the hub said yes (2xx). Otherwise prints the hub's error as one
    /// line on standard error — its `{error, message, detail}` body unchanged with `--json`,
    /// a sentence otherwise — and throws the matching exit status.
    @discardableResult
    func accepted(json: Bool, hint: String? = nil) throws -> JSONValue {
        guard !self.isSuccess else { return self.json }
        throw self.failure(json: json, hint: hint)
    }

    /// The exit for this error reply, after printing it.
    func failure(json: Bool, hint: String? = nil) -> ExitCode {
        let code = CtlExit.code(forStatus: self.status)
        if json, self.json.isPresent {
            Output.error(self.text.trimmingCharacters(in: .whitespacesAndNewlines))
            return code
        }
        let body = self.json
        var line: String
        if let message = body["message"].string {
            line = "\(message) (\(body["error"].string ?? "error"), HTTP \(self.status))"
            if let detail = body["detail"].string, detail != message { line += ": \(detail)" }
        } else {
            line = "HTTP \(self.status): \(self.text.prefix(200))"
        }
        if self.status == 401 { line += hint.map { " — \($0)" } ?? " — log in with commandhub ctl login" }
        return CtlExit.fail(code, line)
    }
}
