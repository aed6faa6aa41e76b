import Foundation

extension RuleConfiguration {
    /// The longest `send_at` alignment can move a due time: to the next day's `send_at`, a day plus
    /// a DST change, with margin. Only used to widen a search; every candidate is still checked exactly.
    static let sendAtSlack: TimeInterval = 2 * 86_400

    /// The numbers of the follow-ups (1 for the first) of a ticket updated at `updated` whose due
    /// time can fall in `window`: follow-up N is due `after + (N - 1) × every` past the update,
    /// then moved to the next `send_at`.
    ///
    /// Worked out from the window instead of trying every N up to `max_repeats`, so a tick's cost
    /// follows the follow-ups in the window (a few at most), not the configured maximum. The range
    /// may hold a candidate or two that aligns out of the window; callers check each due time.
    func followUpNumbers(updated: Date, after: TimeSpan, every: TimeSpan?, maxRepeats: Int, dueIn window: ClosedRange<Date>) -> ClosedRange<Int>? {
        let last = 1 + max(0, maxRepeats)
        guard let every, every.seconds > 0, last > 1 else {
            return 1...1
        }
        let slack = sendAt == nil ? 0 : Self.sendAtSlack
        let first = updated.timeIntervalSince1970 + after.timeInterval
        let step = every.timeInterval
        // Earliest-possible time of N: first + (N - 1) × step; its due time is that, or up to `slack` later.
        let low = Self.clamp(((window.lowerBound.timeIntervalSince1970 - slack - first) / step).rounded(.up) + 1, 1, last)
        let high = Self.clamp(((window.upperBound.timeIntervalSince1970 - first) / step).rounded(.down) + 1, 1, last)
        guard low <= high, first + Double(low - 1) * step <= window.upperBound.timeIntervalSince1970 else { return nil }
        return low...high
    }

    /// `value` as an Int within `lower...upper`, without trapping on huge or negative doubles.
    private static func clamp(_ value: Double, _ lower: Int, _ upper: Int) -> Int {
        guard !value.isNaN, value > Double(lower) else { return lower }
        guard value < Double(upper) else { return upper }
        return Int(value)
    }
}
