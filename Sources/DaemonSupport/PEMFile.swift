import Foundation
import NIOSSL

/// PEM files a daemon's configuration names (certificates, keys, CAs), read once at start-up.
/// Each failure is one reason naming the file; the caller prefixes its configuration key.
public enum PEMFile {
    public struct Failure: Error, Sendable {
        public let reason: String
    }

    /// The file's bytes.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Failure(reason: "cannot read \(path): no such file")
        }
        guard !isDirectory.boolValue else { throw Failure(reason: "cannot read \(path): it is a directory") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(reason: "cannot read \(path): permission denied or unreadable")
        }
        return [UInt8](data)
    }

    /// The PEM certificates in `bytes` read from `path`; at least one.
    public static func certificates(_ bytes: [UInt8], from path: String) throws(Failure) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw Failure(reason: "\(path) holds no PEM certificate (\(error))")
        }
        guard !certificates.isEmpty else { throw Failure(reason: "\(path) holds no PEM certificate") }
        return certificates
    }

    /// The PEM certificates in the file at `path`; at least one.
    public static func certificates(_ path: String) throws(Failure) -> [NIOSSLCertificate] {
        try Self.certificates(try Self.read(path), from: path)
    }
}
