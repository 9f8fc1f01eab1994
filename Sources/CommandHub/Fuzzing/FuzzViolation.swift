/// A broken invariant a fuzz target found: what should have held, with the values involved.
public struct FuzzViolation: Error, Sendable, CustomStringConvertible {
    public let invariant: String

    public init(_ invariant: String) {
        self.invariant = invariant
    }

    public var description: String { self.invariant }

    /// Throws unless `condition` holds.
    static func require(_ condition: Bool, _ invariant: @autoclosure () -> String) throws(FuzzViolation) {
        guard condition else { throw FuzzViolation(invariant()) }
    }
}
