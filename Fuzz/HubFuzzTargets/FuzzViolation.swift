/// A broken invariant a fuzz target found: what should have held, with the values involved.
package struct FuzzViolation: Error, Sendable, CustomStringConvertible {
    package let invariant: String

    package init(_ invariant: String) {
        self.invariant = invariant
    }

    package var description: String { self.invariant }

    /// Throws unless `condition` holds.
    package static func require(_ condition: Bool, _ invariant: @autoclosure () -> String) throws(FuzzViolation) {
        guard condition else { throw FuzzViolation(invariant()) }
    }
}
