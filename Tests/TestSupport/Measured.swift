import Foundation

/// Figures a fault test observed (how long until a frozen agent was declared gone, how many
/// agents came back …), printed as `measured: …` lines so a run of the suite documents the
/// outcomes RELIABILITY.md reports. Never an assertion: the tests assert the bounds themselves.
public enum Measured {
    public static func note(_ text: String) {
        print("measured: \(text)")
    }

    /// Seconds, to the millisecond.
    public static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.3f s", value)
    }
}
