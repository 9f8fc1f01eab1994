import Foundation

/// Times travel as Unix epoch milliseconds (`int64 *_ms` fields); these convert at the edges.
public enum WireTime {
    /// Milliseconds since the Unix epoch for `date`.
    @inlinable
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The current wall-clock time in milliseconds since the Unix epoch.
    @inlinable
    public static func nowMilliseconds() -> Int64 {
        milliseconds(Date())
    }

    /// The date for a wire timestamp; `nil` for 0, which the contract uses for "never".
    @inlinable
    public static func date(milliseconds: Int64) -> Date? {
        milliseconds == 0 ? nil : Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
