import Foundation

/// Strict ISO 8601 timestamps as the store holds them: `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed by
/// `Z` or `±HH:MM`.
///
/// Hand-written rather than `ISO8601DateFormatter` because a store row with no offset must be
/// refused (its instant would be a guess) and the parser runs for every candidate row of a tick.
public enum Timestamp {
    /// The instant `text` names, or `nil` when it is not a complete timestamp with an offset.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in i..<(i + n) {
                guard b[k] >= 48, b[k] <= 57 else { return nil }
                v = v * 10 + Int(b[k] - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let y = digits(4), expect(45), let mo = digits(2), expect(45), let d = digits(2),
              let date = CivilDate(year: y, month: mo, day: d) else { return nil }
        guard i < b.count, b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T, t or space
        i += 1
        guard let h = digits(2), h < 24, expect(58), let mi = digits(2), mi < 60 else { return nil }
        var seconds = 0.0
        if expect(58) {
            guard let s = digits(2), s < 60 else { return nil }
            seconds = Double(s)
            if expect(46) {
                var scale = 0.1
                let start = i
                while i < b.count, b[i] >= 48, b[i] <= 57 {
                    seconds += Double(b[i] - 48) * scale
                    scale /= 10
                    i += 1
                }
                guard i > start else { return nil }
            }
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == 90 || b[i] == 122 {  // Z
            i += 1
        } else if b[i] == 43 || b[i] == 45 {  // + or -
            let sign = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2), oh <= 18, expect(58), let om = digits(2), om < 60 else { return nil }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let epoch = Double(date.daysSinceEpoch * 86_400 + h * 3600 + mi * 60 - offset) + seconds
        return Date(timeIntervalSince1970: epoch)
    }

    /// `instant` as `YYYY-MM-DDTHH:MM:SS±HH:MM` in `zone` (`Z` for UTC offsets of zero in UTC).
    public static func format(_ instant: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: instant)
        let local = Int((instant.timeIntervalSince1970 + Double(offset)).rounded(.down))
        let days = Int((Double(local) / 86_400).rounded(.down))
        let date = CivilDate(daysSinceEpoch: days)
        let sec = local - days * 86_400
        let off = abs(offset)
        // Digits by hand: `String(format:)` goes through Foundation's formatter, and `preview`
        // formats a time for every message.
        var text = date.description
        text.reserveCapacity(25)
        text += "T"
        appendTwoDigits(sec / 3600, to: &text)
        text += ":"
        appendTwoDigits(sec / 60 % 60, to: &text)
        text += ":"
        appendTwoDigits(sec % 60, to: &text)
        if zone.identifier == "UTC" || zone.identifier == "GMT" {
            text += "Z"
        } else {
            text += offset < 0 ? "-" : "+"
            appendTwoDigits(off / 3600, to: &text)
            text += ":"
            appendTwoDigits(off / 60 % 60, to: &text)
        }
        return text
    }

    /// `value` (0–99) with a leading zero.
    private static func appendTwoDigits(_ value: Int, to text: inout String) {
        text.unicodeScalars.append(Unicode.Scalar(UInt8(48 + value / 10)))
        text.unicodeScalars.append(Unicode.Scalar(UInt8(48 + value % 10)))
    }

    /// A command-line TIME: a timestamp with an offset, or a date meaning that day's start in `zone`.
    public static func parseArgument(_ text: String, defaultZone zone: TimeZone) -> Date? {
        if let instant = parse(text) { return instant }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              let date = CivilDate(year: y, month: m, day: d) else { return nil }
        return LocalTime.instant(date, .midnight, in: zone)
    }

    /// The Julian day number SQLite's `julianday()` gives for `instant`; the store's date indexes use it.
    ///
    /// Computed as SQLite does (whole milliseconds since the Julian epoch over 86 400 000), bit for bit:
    /// `t / 86400 + 2440587.5` rounds twice and can land one step below SQLite's value, which would
    /// drop a row from a range ending exactly at its instant.
    public static func julianDay(_ instant: Date) -> Double {
        let milliseconds = Int64((instant.timeIntervalSince1970 * 1000).rounded())
        return Double(milliseconds + 210_866_760_000_000) / 86_400_000
    }
}
