import ArgumentParser
import Logging

/// `--log-level`, shared by every long-running subcommand.
struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    /// Sends logs to standard error at the chosen level; call once, first.
    func bootstrap() -> Logger {
        let level = self.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "commandhub")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
