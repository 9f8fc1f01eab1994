import DaemonSupport
import Foundation

/// This hub's id among several sharing one PostgreSQL store (`hub.id`). Without the key it is
/// generated on first start and kept in `commandhub-hub-id` next to `store.path` — on the
/// machine, not in the shared store, where every hub would find the same one.
enum HubIdentity {
    static func localID(nextTo storePath: String) throws(StoreError) -> String {
        let directory = (storePath as NSString).deletingLastPathComponent
        let path = (directory.isEmpty ? "." : directory) + "/commandhub-hub-id"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !id.isEmpty { return id }
        }
        let id = UUID().uuidString.lowercased()
        do {
            try Data((id + "\n").utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotOpen(path: path, reason: "cannot keep the generated hub id (set hub.id): \(error)")
        }
        return id
    }
}
