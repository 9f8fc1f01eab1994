import CommandHub
import HubCore
import HubLink
import HubStorage
import HubAPI
import HubFuzzTargets
import Foundation

/// The committed fuzz inputs: seeds in `Fuzz/corpus/<target>/`, and inputs that once found a
/// bug in `Fuzz/crashes/<target>/` (kept so the suite replays them for ever).
enum FuzzCorpus {
    /// The package's `Fuzz/` folder, found from this file's place in the repository.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    struct Input {
        let name: String
        let bytes: [UInt8]
    }

    static func seeds(of target: FuzzTarget) -> [Input] {
        self.inputs(in: self.root.appendingPathComponent("corpus").appendingPathComponent(target.rawValue))
    }

    static func crashes(of target: FuzzTarget) -> [Input] {
        self.inputs(in: self.root.appendingPathComponent("crashes").appendingPathComponent(target.rawValue))
    }

    private static func inputs(in folder: URL) -> [Input] {
        let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
        return files.sorted { $0.lastPathComponent < $1.lastPathComponent }.compactMap { file in
            guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
            return Input(name: file.lastPathComponent, bytes: Array(data))
        }
    }
}
