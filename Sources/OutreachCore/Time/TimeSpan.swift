/// A configured length of time: `30s`, `15m`, `48h`, `14d`.
///
/// Not `Swift.Duration`: these are added to calendar instants (`Date`), and a day here is always
/// 86 400 seconds, which is what an operator writing `14d` for "two weeks after" expects.
public struct TimeSpan: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static func days(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 86_400) }
    public static func hours(_ n: Int) -> TimeSpan { TimeSpan(seconds: n * 3600) }

    /// Parses a whole number followed by `s`, `m`, `h` or `d`.
    public init?(parsing text: String) {
        guard let unit = text.last, text.count >= 2 else { return nil }
        let number = text.dropLast()
        guard number.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(number) else { return nil }
        switch unit {
        case "s": seconds = n
        case "m": seconds = n * 60
        case "h": seconds = n * 3600
        case "d": seconds = n * 86_400
        default: return nil
        }
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
