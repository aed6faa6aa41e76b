/// A local time of day, `HH:MM`, as used by `send_at` and `send_window`.
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public init?(hour: Int, minute: Int) {
        guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (24-hour clock), saying which part is wrong when it is not one.
    ///
    /// The reason does not repeat the text: the caller quotes it with its key (or says which end of a window it is).
    public static func parse<S: StringProtocol>(_ text: S) -> Result<TimeOfDay, InvalidValue> {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }) else {
            return .failure(InvalidValue("not a time of day HH:MM (24-hour clock, such as \"09:00\" or \"17:30\")"))
        }
        guard parts.allSatisfy({ $0.count == 2 }) else {
            guard parts.allSatisfy({ $0.count <= 2 }) else {
                return .failure(InvalidValue("not HH:MM: the hour and the minute have two digits each"))
            }
            let padded = parts.map { ($0.count == 1 ? "0" : "") + $0 }.joined(separator: ":")
            return .failure(InvalidValue("not HH:MM: write the hour and the minute with two digits each (\"\(padded)\")"))
        }
        let hour = parts[0].reduce(0) { $0 * 10 + Int($1.asciiValue ?? 48) - 48 }
        let minute = parts[1].reduce(0) { $0 * 10 + Int($1.asciiValue ?? 48) - 48 }
        if hour == 24 { return .failure(InvalidValue("hour 24 is not 00–23 (midnight is \"00:00\")")) }
        guard hour <= 23 else { return .failure(InvalidValue("hour \(hour) is not 00–23")) }
        guard let time = TimeOfDay(hour: hour, minute: minute) else { return .failure(InvalidValue("minute \(minute) is not 00–59")) }
        return .success(time)
    }

    /// Parses `HH:MM` (24-hour clock); anything else is `nil`.
    public init?(parsing text: String) {
        guard case .success(let time) = Self.parse(text) else { return nil }
        self = time
    }

    public static let midnight = TimeOfDay(hour: 0, minute: 0)!

    public var secondsSinceMidnight: Int { hour * 3600 + minute * 60 }

    public var description: String {
        (hour < 10 ? "0" : "") + String(hour) + ":" + (minute < 10 ? "0" : "") + String(minute)
    }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { a.secondsSinceMidnight < b.secondsSinceMidnight }
}
