// libFuzzer's entry points, compiled only into the instrumented build (Scripts/fuzz.sh:
// `swift build --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING`): libFuzzer owns `main`
// and calls these.
#if FUZZING
    import Foundation
    import HubFuzzTargets

    /// The target libFuzzer drives: COMMANDHUB_FUZZ_TARGET, read once before the first input.
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
    public func fuzzerInitialize(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
    ) -> CInt {
        _ = selectedTarget
        return 0
    }

    /// One input: a violated invariant traps inside `fuzz`, which libFuzzer reports as a crash.
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        selectedTarget.fuzz(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
#endif
