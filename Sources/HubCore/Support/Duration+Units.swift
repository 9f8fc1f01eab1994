extension Duration {
    /// Seconds with one decimal at least, as the REST contract prints them ("5.0", "2.5", "0.25").
    package var secondsText: String {
        let milliseconds = self.wholeMilliseconds
        let whole = milliseconds / 1000
        var fraction = String(milliseconds % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.count > 1, fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }

    /// Whole milliseconds, as the wire's `*_ms` fields carry them.
    package var wholeMilliseconds: Int64 {
        self.components.seconds * 1000 + self.components.attoseconds / 1_000_000_000_000_000
    }

    /// The duration as fractional seconds, for JSON and logs.
    package var seconds: Double {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
