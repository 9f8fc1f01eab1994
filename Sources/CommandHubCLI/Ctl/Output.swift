import Foundation

/// Where `commandhub ctl` writes: unbuffered, so a pipe (`| jq`, a test) sees every line at once.
enum Output {
    /// One line on standard output.
    static func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// One line on standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
