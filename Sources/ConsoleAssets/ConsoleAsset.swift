/// One file of the operator console (`web/` next to this file), embedded in the binary.
///
/// The files live in `web/` and are copied into `ConsoleAsset+Files.swift` by
/// `Scripts/embed-console.py`. A generated Swift file rather than SwiftPM resources: the hub
/// stays one binary that an install copies as it is (a `Bundle.module` resource bundle must sit
/// next to the executable, and its accessor traps when it does not), and the console needs no
/// Foundation bundle lookup at run time. A test checks that the hub serves every file of `web/`
/// byte for byte, so the embedded copy cannot drift from the files.
package struct ConsoleAsset: Sendable {
    /// The file name, e.g. `app.js`; served at `/ui/<name>`.
    package let name: String
    /// A strong validator of the bytes: `"<first 16 hex digits of their SHA-256>"`, quotes included.
    package let etag: String
    /// The file's text (UTF-8).
    package let text: String

    /// The `Content-Type` for the file's extension.
    package var contentType: String {
        switch self.name.split(separator: ".").last {
        case "html": "text/html; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js": "text/javascript; charset=utf-8"
        case "svg": "image/svg+xml"
        case "json": "application/json"
        default: "text/plain; charset=utf-8"
        }
    }

    /// Every file of the console.
    package static var all: [ConsoleAsset] { Self.files }
}
