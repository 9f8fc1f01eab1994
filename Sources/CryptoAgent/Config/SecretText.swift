/// A secret value (an API key, a signing key). Printing it, interpolating it, dumping it or
/// reflecting it shows `<redacted>`; only `value`, read on purpose, yields the text.
public struct SecretText: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public let value: String

    public init(_ value: String) {
        self.value = value
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: []) }
}
