import Foundation

/// A JSON document with ordered object keys, so response bodies come out in the contract's order
/// (`client_id` first, `command_result` last) and encode without `JSONEncoder`'s overhead.
package enum JSON: Sendable, Equatable {
    case object([(String, JSON)])
    case array([JSON])
    case string(String)
    case integer(Int64)
    case number(Double)
    case bool(Bool)
    case null
    /// Already-serialized JSON (stored results), written as is. Only for text this hub wrote.
    case raw(String)

    /// A string, or `null` when absent.
    package static func optional(_ value: String?) -> JSON { value.map(JSON.string) ?? .null }

    /// An ISO 8601 UTC timestamp without fractions ("2025-11-14T10:30:00Z"), or `null`.
    package static func timestamp(_ date: Date?) -> JSON { date.map { .string($0.formatted(.iso8601)) } ?? .null }

    /// An ISO 8601 UTC timestamp with milliseconds ("2025-11-14T10:30:00.123Z"), or `null`.
    package static func preciseTimestamp(_ date: Date?) -> JSON {
        date.map {
            .string($0.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        } ?? .null
    }

    package static func integer(_ value: some BinaryInteger) -> JSON { .integer(Int64(clamping: value)) }

    /// Labels (or any string map) as an object with its keys sorted, so the text is stable.
    package static func labels(_ labels: [String: String]) -> JSON {
        .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })
    }

    package static func == (lhs: JSON, rhs: JSON) -> Bool { lhs.serialized() == rhs.serialized() }

    /// The compact UTF-8 encoding as a string.
    package var text: String { String(decoding: self.serialized(), as: UTF8.self) }

    /// Stored JSON text, or `null`.
    package static func raw(_ text: String?) -> JSON { text.map(JSON.raw) ?? .null }

    /// The compact UTF-8 encoding.
    package func serialized() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256)
        self.write(into: &bytes)
        return bytes
    }

    package func write(into bytes: inout [UInt8]) {
        switch self {
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.writeString(key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                value.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                element.write(into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .string(let string):
            Self.writeString(string, into: &bytes)
        case .integer(let value):
            bytes.append(contentsOf: String(value).utf8)
        case .number(let value):
            if value.isFinite {
                bytes.append(contentsOf: (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)).utf8)
            } else {
                bytes.append(contentsOf: "null".utf8)
            }
        case .bool(let value):
            bytes.append(contentsOf: (value ? "true" : "false").utf8)
        case .null:
            bytes.append(contentsOf: "null".utf8)
        case .raw(let text):
            bytes.append(contentsOf: text.utf8)
        }
    }

    private static func writeString(_ string: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
