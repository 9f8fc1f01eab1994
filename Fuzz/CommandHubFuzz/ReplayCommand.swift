// In a normal build `commandhub-fuzz` replays inputs through a target without instrumentation —
// to reproduce a libFuzzer finding in a debugger:
//     swift run commandhub-fuzz TARGET FILE|DIR...
// The instrumented libFuzzer binary (FUZZING) has libFuzzer's `main` instead.
#if !FUZZING
    import Foundation
    import HubFuzzTargets

    @main
    struct ReplayCommand {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
                let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
                FileHandle.standardError.write(Data("usage: commandhub-fuzz \(names) FILE|DIR...\n".utf8))
                exit(2)
            }
            var violations = 0
            let files = Self.files(arguments.dropFirst())
            for file in files {
                guard let data = FileManager.default.contents(atPath: file.path) else {
                    FileHandle.standardError.write(Data("cannot read \(file.path)\n".utf8))
                    exit(2)
                }
                do {
                    try target.check(Array(data))
                } catch {
                    violations += 1
                    print("\(file.path): \(error)")
                }
            }
            print("\(files.count) inputs, \(violations) violations")
            exit(violations == 0 ? 0 : 1)
        }

        /// The files named, and the files inside the folders named, in a stable order.
        static func files(_ paths: some Sequence<String>) -> [URL] {
            paths.flatMap { path -> [URL] in
                let url = URL(fileURLWithPath: path)
                guard let contents = try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil) else {
                    return [url]
                }
                return contents.sorted { $0.path < $1.path }
            }
        }
    }
#endif
