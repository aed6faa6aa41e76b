/// A configured length of time: `30s`, `15m`, `48h`, `14d`.
///
/// Not `Swift.Duration`: these are added to calendar instants (`Date`), and a day here is always
/// 86 400 seconds, which is what an operator writing `14d` for "two weeks after" expects.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static func days(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 86_400) }
    public static func hours(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 3600) }
    public static func minutes(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 60) }

    /// The longest span any text parses to: 100 years (36 500 days).
    ///
    /// Added to or taken from any instant a store can hold (years 0001 to 9999), it stays far inside
    /// what `Date`, `Int` seconds and SQLite's `julianday()` represent, so no arithmetic on it traps.
    /// Each key has its own, tighter range (``ConfigurationLimits``).
    public static let maximum = TimeSpan.days(36_500)

    /// Why a text is not a ``TimeSpan``.
    public enum ParseError: Error, Sendable, Hashable {
        /// Not a whole number followed by `s`, `m`, `h` or `d`.
        case notADuration
        /// Well formed, but longer than ``TimeSpan/maximum`` (or than any `Int` of seconds).
        case tooLong
    }

    /// Parses a whole number followed by `s`, `m`, `h` or `d`, at most ``maximum``.
    public static func parse(_ text: String) -> Result<TimeSpan, ParseError> {
        guard let unit = text.last, text.count >= 2 else { return .failure(.notADuration) }
        let number = text.dropLast()
        guard number.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(.notADuration) }
        let factor: Int
        switch unit {
        case "s": factor = 1
        case "m": factor = 60
        case "h": factor = 3600
        case "d": factor = 86_400
        default: return .failure(.notADuration)
        }
        // More digits than an Int holds, or a product that overflows, is longer than the maximum too.
        guard let n = Int(number) else { return .failure(.tooLong) }
        let (seconds, overflow) = n.multipliedReportingOverflow(by: factor)
        guard !overflow, seconds <= maximum.seconds else { return .failure(.tooLong) }
        return .success(TimeSpan(seconds: seconds))
    }

    /// Parses a whole number followed by `s`, `m`, `h` or `d`; `nil` when malformed or longer than ``maximum``.
    public init?(parsing text: String) {
        guard case .success(let span) = Self.parse(text) else { return nil }
        self = span
    }

    public var timeInterval: Double { Double(seconds) }

    public var description: String {
        if seconds > 86_400, seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds != 0, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds != 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    public static func < (a: TimeSpan, b: TimeSpan) -> Bool { a.seconds < b.seconds }
}
