import Foundation

/// A directory of its own for one test's SQLite files, removed when the test is done.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    public func path(_ name: String) -> String { self.url.appendingPathComponent(name).path }

    public static func with<T: Sendable>(_ body: (TemporaryDirectory) async throws -> T) async throws -> T {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("commandhub-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: url) }
        return try await body(TemporaryDirectory(url: url))
    }
}
