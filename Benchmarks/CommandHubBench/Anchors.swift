import Foundation

/// The side-by-side anchors, measured in the same run by `Benchmarks/Anchors/anchors.py`: a TCP
/// round trip between two processes and a Python `grpcio` bidirectional ping-pong (one hop).
struct Anchors: Decodable {
    struct Figure: Decodable {
        var p50Ms: Double
        var p99Ms: Double
        enum CodingKeys: String, CodingKey {
            case p50Ms = "p50_ms"
            case p99Ms = "p99_ms"
        }
    }

    var tcp: Figure
    var grpc: Figure?
    var grpcError: String?

    enum CodingKeys: String, CodingKey {
        case tcp, grpc
        case grpcError = "grpc_error"
    }

    /// Runs the script with `python` (which needs `grpcio` for the gRPC anchor); nil, with the
    /// reason logged, when it cannot.
    static func measure(python: String, script: URL, roundTrips: Int, log: (String) -> Void) -> Anchors? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script.path, String(roundTrips)]
        let output = Pipe()
        process.standardOutput = output
        do {
            try process.run()
        } catch {
            log("anchors: cannot run \(python): \(error)")
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let anchors = try? JSONDecoder().decode(Anchors.self, from: data) else {
            log("anchors: \(script.lastPathComponent) failed (status \(process.terminationStatus))")
            return nil
        }
        if let grpcError = anchors.grpcError { log("anchors: \(grpcError)") }
        return anchors
    }
}
