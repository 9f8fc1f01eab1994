import ArgumentParser
import CryptoAgent
import Foundation

/// Ends the command with one line on standard error and a sysexits code, without the usage
/// text ArgumentParser prints for `ValidationError` (the arguments were fine; the input was not).
enum Failure {
    /// EX_CONFIG: a configuration file or value is unusable.
    static func configuration(_ message: String) -> ExitCode {
        self.print(message)
        return ExitCode(78)
    }

    /// EX_IOERR: the state file cannot be opened, is damaged, or cannot be written.
    static func store(_ message: String) -> ExitCode {
        self.print(message)
        return ExitCode(74)
    }

    /// EX_DATAERR: the request was refused (limits, balance, unknown asset); nothing happened.
    static func refused(_ message: String) -> ExitCode {
        self.print(message)
        return ExitCode(65)
    }

    /// EX_UNAVAILABLE: something the command needed is not there.
    static func unavailable(_ message: String) -> ExitCode {
        self.print(message)
        return ExitCode(69)
    }

    /// An exchange that cannot be used: its configuration (keys refused, key file readable by
    /// others) is EX_CONFIG, anything else (unreachable, refusing) EX_UNAVAILABLE.
    static func exchange(_ error: AgentError) -> ExitCode {
        if case .configuration = error { return self.configuration(error.description) }
        return self.unavailable(error.description)
    }

    static func print(_ message: String) {
        FileHandle.standardError.write(Data("crypto-agent: \(message)\n".utf8))
    }
}
