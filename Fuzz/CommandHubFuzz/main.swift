// The hub's fuzz targets as one executable (see `FuzzTarget` and README "Fuzzing").
//
// Built with `-sanitize=fuzzer -D FUZZING` (Scripts/fuzz.sh) it is a libFuzzer binary: libFuzzer
// owns `main`, and the target is chosen by COMMANDHUB_FUZZ_TARGET. Built normally it replays
// inputs without instrumentation: `commandhub-fuzz TARGET FILE|DIR...`, to reproduce a crash
// file in a debugger.
import CommandHub
import Foundation

#if FUZZING

/// The target libFuzzer drives, from the environment, read once before the first input.
let selectedTarget: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["COMMANDHUB_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        FileHandle.standardError.write(Data("COMMANDHUB_FUZZ_TARGET must be one of: \(names)\n".utf8))
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    _ = selectedTarget
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selectedTarget.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

#else

let arguments = CommandLine.arguments.dropFirst()
guard let name = arguments.first, let target = FuzzTarget(rawValue: name), arguments.count > 1 else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
    FileHandle.standardError.write(Data("usage: commandhub-fuzz \(names) FILE|DIR...\n".utf8))
    exit(2)
}
var files: [URL] = []
for path in arguments.dropFirst() {
    let url = URL(fileURLWithPath: path)
    let contents = try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)
    files += contents?.sorted { $0.path < $1.path } ?? [url]
}
var violations = 0
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

#endif
