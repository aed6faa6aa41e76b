import Foundation

/// The hours of the customer's local day in which messages may go out (`send_window = "09:00-20:00"`).
///
/// Outside it are quiet hours. A window may wrap midnight (`"22:00-06:00"`); the end is exclusive.
public struct SendWindow: Sendable, Hashable, CustomStringConvertible {
    public var start: TimeOfDay
    public var end: TimeOfDay

    public init?(start: TimeOfDay, end: TimeOfDay) {
        guard start != end else { return nil }
        self.start = start
        self.end = end
    }

    /// Parses `HH:MM-HH:MM`, saying which end is wrong and why when it is not a window.
    public static func parse(_ text: String) -> Result<SendWindow, InvalidValue> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            return .failure(InvalidValue("not HH:MM-HH:MM, the start and the end of the hours messages may go out (such as \"09:00-20:00\")"))
        }
        var problems: [String] = []
        var ends: [TimeOfDay] = []
        for (name, part) in zip(["the start", "the end"], parts) {
            switch TimeOfDay.parse(part) {
            case .success(let time): ends.append(time)
            case .failure(let reason): problems.append("\(name) \"\(part)\": \(reason)")
            }
        }
        guard problems.isEmpty, ends.count == 2 else { return .failure(InvalidValue(problems.joined(separator: "; "))) }
        guard let window = SendWindow(start: ends[0], end: ends[1]) else {
            return .failure(InvalidValue("the start and the end are the same time, which leaves no hour to send in (to allow any hour, leave send_window out)"))
        }
        return .success(window)
    }

    public init?(parsing text: String) {
        guard case .success(let window) = Self.parse(text) else { return nil }
        self = window
    }

    public func contains(secondsSinceMidnight t: Int) -> Bool {
        let s = start.secondsSinceMidnight, e = end.secondsSinceMidnight
        return s < e ? (t >= s && t < e) : (t >= s || t < e)
    }

    /// The first instant at or after `instant` that lies inside the window, in `zone`.
    public func nextOpening(atOrAfter instant: Date, in zone: TimeZone) -> Date {
        if contains(secondsSinceMidnight: LocalTime.secondsSinceMidnight(instant, in: zone)) { return instant }
        // Quiet hours: the window opens at `start` today or tomorrow (local), whichever is later.
        let today = CivilDate(instant, in: zone)
        let opening = LocalTime.instant(today, start, in: zone)
        return opening > instant ? opening : LocalTime.instant(today.adding(days: 1), start, in: zone)
    }

    public var description: String { "\(start)-\(end)" }
}
