import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The operator's terminal: prompts go to standard error, answers come from standard input.
enum Terminal {
    /// Whether standard input is a terminal (someone can answer a prompt).
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 }

    /// Asks a question and returns the answer line; nil at end of input.
    static func ask(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        return readLine(strippingNewline: true)
    }

    /// Asks for a secret without echoing it (echo is restored even if reading fails).
    static func askSecret(_ prompt: String) -> String? {
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return readLine(strippingNewline: true) }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true)
    }

    /// A yes/no question; only `y` or `yes` (any case) is yes.
    static func confirm(_ prompt: String) -> Bool {
        guard let answer = self.ask(prompt + " [y/N] ") else { return false }
        return ["y", "yes"].contains(answer.trimmingCharacters(in: .whitespaces).lowercased())
    }
}
