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

    public init?(parsing text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let s = TimeOfDay(parsing: String(parts[0])), let e = TimeOfDay(parsing: String(parts[1])) else { return nil }
        self.init(start: s, end: e)
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
