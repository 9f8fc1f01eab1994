import Foundation
import HubCore
import Hummingbird

/// A small JSON object from a request body, read strictly: unknown fields and wrong types are
/// 400s naming the field, never ignored.
package struct JSONBody {
    private let fields: [String: Any]

    /// Parses `bytes` as a JSON object whose keys are all in `allowed`.
    package init(_ bytes: ByteBuffer, allowed: Set<String>) throws(HubError) {
        let example = allowed.sorted().joined(separator: ", ")
        guard bytes.readableBytes > 0 else { throw .badRequest(parameter: "body", reason: "expected a JSON object with \(example)") }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView))
        } catch {
            throw .badRequest(parameter: "body", reason: "must be a JSON object")
        }
        guard let fields = object as? [String: Any] else { throw .badRequest(parameter: "body", reason: "must be a JSON object") }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw Self.unknownField(unknown, expected: example)
        }
        self.fields = fields
    }

    /// The 400 for a field a body may not have: named by the field (cut to 64 characters), or
    /// by `body` when the field's name is empty.
    package static func unknownField(_ name: String, expected: String) -> HubError {
        guard !name.isEmpty else { return .badRequest(parameter: "body", reason: "unknown field \"\"; expected \(expected)") }
        return .badRequest(parameter: String(name.prefix(64)), reason: "unknown field; expected \(expected)")
    }

    /// A string field; nil when absent or null.
    package func string(_ name: String) throws(HubError) -> String? {
        guard let value = self.fields[name], !(value is NSNull) else { return nil }
        guard let string = value as? String, !Self.isNumberOrBool(value) else {
            throw .badRequest(parameter: name, reason: "must be a string")
        }
        return string
    }

    /// A required string field.
    package func requiredString(_ name: String) throws(HubError) -> String {
        guard let value = try self.string(name) else { throw .badRequest(parameter: name, reason: "required") }
        return value
    }

    /// An object of strings (labels); nil when absent.
    package func stringMap(_ name: String) throws(HubError) -> [String: String]? {
        guard let value = self.fields[name], !(value is NSNull) else { return nil }
        guard let object = value as? [String: Any] else { throw .badRequest(parameter: name, reason: "must be an object of strings") }
        var map: [String: String] = [:]
        for (key, element) in object {
            guard let string = element as? String, !Self.isNumberOrBool(element) else {
                throw .badRequest(parameter: name, reason: "must be an object of strings")
            }
            map[key] = string
        }
        return map
    }

    /// Foundation bridges JSON numbers and booleans to `NSNumber`, which casts to many types.
    private static func isNumberOrBool(_ value: Any) -> Bool { value is NSNumber }
}
