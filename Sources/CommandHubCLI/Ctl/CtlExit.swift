import ArgumentParser
import Foundation

/// How `commandhub ctl` ends, as scripts test it: one exit status per kind of outcome.
///
/// The reason is one line on standard error; with `--json` an error the hub sent is its
/// `{error, message, detail}` body unchanged, otherwise a sentence for people.
enum CtlExit {
    /// A command answered `success: false`, a bulk or fan-out action had failures, or the hub
    /// refused for another reason (409, 429, 5xx other than 503/504).
    static let failed = ExitCode(1)
    /// Usage: bad or missing arguments, or a request the hub found malformed (400, 405, 413, 422, 428).
    static let usage = ExitCode(2)
    /// Not logged in, the token is refused (401), or the role may not do this (403).
    static let auth = ExitCode(3)
    /// No such client, command or job (404).
    static let notFound = ExitCode(4)
    /// The agent is not connected or did not answer in time (503, 504), or the request timed out.
    static let unavailable = ExitCode(5)
    /// The hub could not be reached at all.
    static let unreachable = ExitCode(69)

    /// The text `--help` shows.
    static let help = """
        Exit status: 0 ok; 1 a command answered success: false, a bulk action had failures, or \
        another refusal; 2 usage (also a 400/422/428 from the hub); 3 authentication or role \
        (401/403); 4 not found (404); 5 agent not connected or timed out (503/504); 69 hub unreachable.
        """

    /// The exit status for an HTTP error status from the hub.
    static func code(forStatus status: Int) -> ExitCode {
        switch status {
        case 401, 403: self.auth
        case 404: self.notFound
        case 503, 504: self.unavailable
        case 400, 405, 413, 422, 428: self.usage
        default: self.failed
        }
    }

    /// Prints `message` as one line on standard error and returns `code` to throw.
    static func fail(_ code: ExitCode, _ message: String) -> ExitCode {
        Output.error("commandhub ctl: \(message)")
        return code
    }
}
