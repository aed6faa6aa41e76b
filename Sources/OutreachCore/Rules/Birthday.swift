/// A customer's birthday as stored: `YYYY-MM-DD`, or `--MM-DD` when the year is unknown.
public struct Birthday: Sendable, Hashable {
    public var year: Int?
    public var month: Int
    public var day: Int

    /// `nil` for anything that is not a real month and day (29 February is real).
    ///
    /// Not trimmed: the tick finds birthdays by the last five characters, so a padded value would
    /// be found by `explain` but never by a tick. Refusing it makes both report it.
    public init?(parsing text: String) {
        let bytes = Array(text.utf8)
        func num(_ r: Range<Int>) -> Int? {
            guard r.upperBound <= bytes.count, r.allSatisfy({ bytes[$0] >= 48 && bytes[$0] <= 57 }) else { return nil }
            return r.reduce(0) { $0 * 10 + Int(bytes[$1] - 48) }
        }
        if bytes.count == 7, bytes[0] == 45, bytes[1] == 45, bytes[4] == 45, let m = num(2..<4), let d = num(5..<7) {
            year = nil; month = m; day = d
        } else if bytes.count == 10, bytes[4] == 45, bytes[7] == 45, let y = num(0..<4), let m = num(5..<7), let d = num(8..<10) {
            guard CivilDate(year: y, month: m, day: d) != nil else { return nil }
            year = y; month = m; day = d
        } else {
            return nil
        }
        // Validate month/day against a leap year so that --02-29 is accepted.
        guard CivilDate(year: 2000, month: month, day: day) != nil else { return nil }
    }

    /// The day it is kept in `year`: 29 February moves to 28 February or 1 March outside leap years.
    public func date(in year: Int, feb29: BirthdayRule.Feb29Policy) -> CivilDate {
        if let date = CivilDate(year: year, month: month, day: day) { return date }
        return feb29 == .feb28 ? CivilDate(year: year, month: 2, day: 28)! : CivilDate(year: year, month: 3, day: 1)!
    }
}

import Foundation
