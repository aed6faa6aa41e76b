import Foundation

/// Turns a wall-clock time in a zone into an instant, the way RFC 5545 does.
///
/// A time inside a DST gap is moved forward by the gap (02:30 becomes 03:30); a time inside an
/// overlap means its first occurrence. Foundation's own resolution of overlaps is not documented,
/// so the rule is spelled out here and tested over every zone the system knows.
public enum LocalTime {
    public static func instant(_ date: CivilDate, _ time: TimeOfDay, in zone: TimeZone) -> Date {
        instant(date, secondsSinceMidnight: time.secondsSinceMidnight, in: zone)
    }

    public static func instant(_ date: CivilDate, secondsSinceMidnight: Int, in zone: TimeZone) -> Date {
        let wall = date.daysSinceEpoch * 86_400 + secondsSinceMidnight
        // The offsets in force around this wall time: before and after any transition near it.
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall - 86_400)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall + 86_400)))
        var best: Int?
        for offset in Set([before, after, zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(wall)))]) {
            let candidate = wall - offset
            if zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == offset {
                best = min(best ?? candidate, candidate)
            }
        }
        // No candidate: the wall time does not exist (a gap). Read it in the offset before the gap,
        // which lands the same distance past the transition as the gap is long.
        return Date(timeIntervalSince1970: Double(best ?? (wall - before)))
    }

    /// The local time of day of `instant` in `zone`, in seconds since local midnight.
    public static func secondsSinceMidnight(_ instant: Date, in zone: TimeZone) -> Int {
        let local = Int((instant.timeIntervalSince1970 + Double(zone.secondsFromGMT(for: instant))).rounded(.down))
        return ((local % 86_400) + 86_400) % 86_400
    }
}
