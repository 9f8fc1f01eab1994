import Foundation

/// What `ctl login` keeps between runs: the hub's URL, who logged in, the bearer token and when
/// it expires. One JSON file, readable by its owner only (mode 0600).
///
/// Where: `$COMMANDHUB_CTL_CONFIG`, else `$XDG_CONFIG_HOME/commandhub/ctl.json`, else
/// `~/.config/commandhub/ctl.json`.
struct SavedLogin: Codable, Equatable {
    var url: String
    var username: String
    var token: String
    var expiresAt: String?

    enum CodingKeys: String, CodingKey {
        case url, username, token
        case expiresAt = "expires_at"
    }

    /// The file's path for this environment.
    static func path(environment: [String: String]) -> String {
        if let explicit = environment["COMMANDHUB_CTL_CONFIG"], !explicit.isEmpty { return explicit }
        let base =
            environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.config"
        return base + "/commandhub/ctl.json"
    }

    /// The saved login, nil when there is none. A file that cannot be read or parsed is an error
    /// naming it (never silently ignored: a broken file would otherwise hide a stale token).
    static func load(from path: String) throws(SavedLoginError) -> SavedLogin? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path, "cannot read it") }
        do {
            return try JSONDecoder().decode(SavedLogin.self, from: data)
        } catch {
            throw .unreadable(path, "not a ctl login file; remove it or run commandhub ctl login")
        }
    }

    /// Writes the file atomically with mode 0600 (its directory 0700 when created).
    func save(to path: String) throws(SavedLoginError) {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            try FileManager.default.createDirectory(
                at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let temporary = directory.appendingPathComponent(".ctl-\(UUID().uuidString).json")
            // Created 0600 before the token is written into it.
            guard FileManager.default.createFile(atPath: temporary.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw SavedLoginError.unwritable(path, "cannot create a file in \(directory.path)")
            }
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.write(contentsOf: try encoder.encode(self))
            try handle.close()
            if rename(temporary.path, path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temporary)
                throw SavedLoginError.unwritable(path, reason)
            }
        } catch let error as SavedLoginError {
            throw error
        } catch {
            throw .unwritable(path, error.localizedDescription)
        }
    }

    /// Removes the file; returns whether there was one.
    static func remove(at path: String) throws(SavedLoginError) -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        do {
            try FileManager.default.removeItem(atPath: path)
        } catch {
            throw .unwritable(path, error.localizedDescription)
        }
        return true
    }
}

/// A login file that cannot be used.
enum SavedLoginError: Error, CustomStringConvertible {
    case unreadable(String, String)
    case unwritable(String, String)

    var description: String {
        switch self {
        case .unreadable(let path, let why): "\(path): \(why)"
        case .unwritable(let path, let why): "cannot write \(path): \(why)"
        }
    }
}
