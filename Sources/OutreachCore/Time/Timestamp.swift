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
        let sign = offset < 0 ? "-" : "+"
        let off = abs(offset)
        // Digits placed by hand, not with String(format:): the log handler formats one per line, a
        // line per message sent, and the format path was ~2% of run --once's CPU.
        var out: [UInt8] = []
        out.reserveCapacity(25)
        if (0...9999).contains(date.year) {
            appendDigits(date.year, width: 4, to: &out)
            out.append(UInt8(ascii: "-")); appendDigits(date.month, width: 2, to: &out)
            out.append(UInt8(ascii: "-")); appendDigits(date.day, width: 2, to: &out)
        } else {
            out.append(contentsOf: date.description.utf8)
        }
        out.append(UInt8(ascii: "T")); appendDigits(sec / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":")); appendDigits(sec / 60 % 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":")); appendDigits(sec % 60, width: 2, to: &out)
        if zone.identifier == "UTC" || zone.identifier == "GMT" {
            out.append(UInt8(ascii: "Z"))
        } else {
            out.append(contentsOf: sign.utf8); appendDigits(off / 3600, width: 2, to: &out)
            out.append(UInt8(ascii: ":")); appendDigits(off / 60 % 60, width: 2, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `value` (≥ 0) in decimal, zero-padded to at least `width` digits, as `%0Nd` writes it.
    private static func appendDigits(_ value: Int, width: Int, to out: inout [UInt8]) {
        var digits: [UInt8] = []
        var rest = value
        repeat { digits.append(UInt8(ascii: "0") + UInt8(rest % 10)); rest /= 10 } while rest > 0
        if digits.count < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - digits.count)) }
        out.append(contentsOf: digits.reversed())
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
