import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// An independent model of a zone's UTC offsets, built only from `secondsFromGMT(for:)`: the exact
/// transition instants found by scanning and bisection. It answers "which instant is local wall time W"
/// the RFC 5545 way (first occurrence in an overlap, shifted forward by the gap in a gap) without
/// using `LocalTime`, so it can judge `LocalTime` and the birthday rule.
private struct OffsetModel {
    /// `starts[i]` is the first second offset `offsets[i]` is in force; `starts[0]` is -infinity.
    var starts: [Int] = [Int.min]
    var offsets: [Int] = []

    init(_ zone: TimeZone, from: Int, to: Int) {
        func off(_ t: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t))) }
        let step = 6 * 3600  // no real zone changes offset twice within 6 hours
        var t = from
        var current = off(t)
        offsets = [current]
        while t < to {
            let next = t + step
            let o = off(next)
            if o != current {
                var lo = t, hi = next  // off(lo) == current, off(hi) == o
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2
                    if off(mid) == current { lo = mid } else { hi = mid }
                }
                starts.append(hi)
                offsets.append(o)
                current = o
            }
            t = next
        }
    }

    /// The instant of local wall time `wall` (seconds since 1970-01-01T00:00 local), or nil if the model has no answer.
    func instant(wall: Int) -> Int? { resolve(wall: wall)?.instant }

    /// The instant of `wall`, how far a gap shifted it forward (0 outside gaps), and whether it was in an overlap.
    func resolve(wall: Int) -> (instant: Int, shift: Int, overlap: Bool)? {
        var best: Int?
        var readings = 0
        for i in offsets.indices {
            let t = wall - offsets[i]
            let end = i + 1 < starts.count ? starts[i + 1] : Int.max
            if t >= starts[i], t < end {
                best = min(best ?? t, t)
                readings += 1
            }
        }
        if let best { return (best, 0, readings > 1) }
        // A gap: the wall time lies between the transition seen in the old offset and in the new one.
        for i in 1..<max(offsets.count, 1) where offsets[i] > offsets[i - 1] {
            if wall >= starts[i] + offsets[i - 1], wall < starts[i] + offsets[i] {
                return (wall - offsets[i - 1], offsets[i] - offsets[i - 1], false)
            }
        }
        return nil
    }
}

private struct WindowKey: Hashable {
    var lower: Double
    var upper: Double
}

@Suite struct BirthdayPropertyTests {
    static let years = 2024...2030
    /// Scan range for the offset model: a margin around 2024–2030.
    static let modelFrom = Int(at("2023-12-01T00:00:00Z").timeIntervalSince1970)
    static let modelTo = Int(at("2031-02-01T00:00:00Z").timeIntervalSince1970)

    /// Every day of 2024–2030 as (birthday, its text, year, the civil day it is kept on); plus 29 February in
    /// non-leap years, kept on 28 February or 1 March by `feb29`.
    static func birthdays(feb29: BirthdayRule.Feb29Policy) -> [(birthday: Birthday?, raw: String, year: Int, kept: CivilDate)] {
        var result: [(Birthday?, String, Int, CivilDate)] = []
        var d = CivilDate(year: years.lowerBound, month: 1, day: 1)!
        let end = CivilDate(year: years.upperBound, month: 12, day: 31)!
        while d <= end {
            let raw = "--" + d.monthDay
            result.append((Birthday(parsing: raw), raw, d.year, d))
            if d.month == 2, d.day == 28, !CivilDate.isLeap(d.year) {
                result.append((Birthday(parsing: "--02-29"), "--02-29", d.year, feb29 == .feb28 ? d : CivilDate(year: d.year, month: 3, day: 1)!))
            }
            d = d.adding(days: 1)
        }
        return result
    }

    /// Every zone the system knows, with its offset model (built once, shared by the tests).
    private static let zones: [(name: String, zone: TimeZone?, model: OffsetModel?)] = TimeZone.knownTimeZoneIdentifiers.map { name in
        guard let tz = TimeZone(identifier: name) else { return (name, nil, nil) }
        return (name, tz, OffsetModel(tz, from: modelFrom, to: modelTo))
    }

    struct Report {
        var failures: Set<String> = []
        var cases = 0
        var gaps = 0
        var overlaps = 0
    }

    /// Checks every zone and every day of 2024–2030 for one `send_at`.
    static func checkEveryZone(sendAt: String, feb29: BirthdayRule.Feb29Policy, checkMonthDays: Bool) -> Report {
        let time = TimeOfDay(parsing: sendAt)!
        let days = birthdays(feb29: feb29)
        let lateness = RuleConfiguration(name: "b", kind: BirthdayRule(feb29: feb29), channel: "email", template: "b").maxLateness.timeInterval
        var report = Report()
        var monthDayMemo: [WindowKey: Set<String>] = [:]
        func monthDays(_ lower: Date, _ upper: Date) -> Set<String> {
            let key = WindowKey(lower: lower.timeIntervalSince1970, upper: upper.timeIntervalSince1970)
            if let known = monthDayMemo[key] { return known }
            let value = BirthdayRule.monthDays(around: lower...upper, sendAt: time)
            monthDayMemo[key] = value
            return value
        }
        for (name, zone, model) in zones {
            guard let zone, let model else { report.failures.insert("\(name): listed but not constructible"); continue }
            var previousDue: Date?
            var perYear: [Int: Int] = [:]
            for (birthday, raw, year, kept) in days {
                report.cases += 1
                guard let birthday else { report.failures.insert("\(raw) does not parse"); continue }
                // The day the rule keeps the birthday on in `year`.
                let day = birthday.date(in: year, feb29: feb29)
                if day != kept { report.failures.insert("\(raw) in \(year) kept on \(day), expected \(kept)") }
                // The instant the rule makes it due at.
                let due = LocalTime.instant(day, time, in: zone)
                let wall = kept.daysSinceEpoch * 86_400 + time.secondsSinceMidnight
                guard let expected = model.resolve(wall: wall) else {
                    report.failures.insert("\(name) \(kept) \(sendAt): offset model has no answer"); continue
                }
                if expected.shift != 0 { report.gaps += 1 }
                if expected.overlap { report.overlaps += 1 }
                if due.timeIntervalSince1970 != Double(expected.instant) {
                    report.failures.insert("\(name) \(kept) \(sendAt) [\(raw)]: due \(Timestamp.format(due, in: zone)), expected \(Timestamp.format(Date(timeIntervalSince1970: Double(expected.instant)), in: zone))")
                }
                // Its local time is send_at on that day, or send_at moved forward by exactly the gap.
                let localWall = Int(due.timeIntervalSince1970) + zone.secondsFromGMT(for: due)
                if localWall != wall + expected.shift {
                    report.failures.insert("\(name) \(kept) \(sendAt): local time \(Timestamp.format(due, in: zone)) is not send_at (gap shift \(expected.shift) s)")
                }
                // Once per year: each day's due is after the previous day's, and each year has one per month-day.
                if raw != "--02-29" || CivilDate.isLeap(year) {
                    if let previousDue, due <= previousDue {
                        report.failures.insert("\(name) \(kept) \(sendAt): due \(due) not after the previous day's \(previousDue)")
                    }
                    previousDue = due
                }
                perYear[year, default: 0] += 1
                if checkMonthDays {
                    let wanted = String(raw.dropFirst(2))  // MM-DD; "02-29" in non-leap years too
                    for (label, lower, upper) in [("narrow", due, due),
                                                  ("tick at due", due.addingTimeInterval(-lateness), due),
                                                  ("tick at deadline", due, due.addingTimeInterval(lateness))]
                    where !monthDays(lower, upper).contains(wanted) {
                        report.failures.insert("\(name) \(kept) \(sendAt): monthDays(\(label) window) lacks \(wanted)")
                    }
                }
            }
            for year in years where perYear[year] != 366 {
                report.failures.insert("\(name) \(year): \(perYear[year] ?? 0) birthdays due, expected 366 (one per month-day)")
            }
        }
        return report
    }

    @Test func testEveryZoneEveryDayDueOnceAtHalfPastTwoWithFeb28() {
        let report = Self.checkEveryZone(sendAt: "02:30", feb29: .feb28, checkMonthDays: true)
        #expect(report.failures.isEmpty, "\(report.failures.count) failures, e.g. \(report.failures.sorted().prefix(20))")
        // Not vacuous: every zone, every day, and 02:30 falls into gaps and overlaps somewhere.
        #expect(report.cases == Self.zones.count * (Self.years.count * 366))
        #expect(report.gaps > 100 && report.overlaps > 100, "gaps \(report.gaps), overlaps \(report.overlaps)")
    }

    @Test func testEveryZoneEveryDayDueOnceAtMidnightWithMar1() {
        // send_at unset means local midnight: zones that skip midnight (America/Havana, Asia/Beirut, America/Santiago …) are exercised.
        let report = Self.checkEveryZone(sendAt: "00:00", feb29: .mar1, checkMonthDays: true)
        #expect(report.failures.isEmpty, "\(report.failures.count) failures, e.g. \(report.failures.sorted().prefix(20))")
        #expect(report.gaps > 0, "gaps \(report.gaps)")
    }

    @Test(arguments: ["00:30", "01:30", "03:30", "23:30"])
    func testEveryZoneEveryDayDueOnceAtOtherSendTimes(_ sendAt: String) {
        let report = Self.checkEveryZone(sendAt: sendAt, feb29: .feb28, checkMonthDays: false)
        #expect(report.failures.isEmpty, "\(report.failures.count) failures, e.g. \(report.failures.sorted().prefix(20))")
    }

    /// The offset model itself must agree with known transitions, or it could not judge anything.
    @Test func testOffsetModelKnowsBudapestAndLordHowe() {
        let budapest = OffsetModel(zone("Europe/Budapest"), from: Self.modelFrom, to: Self.modelTo)
        #expect(budapest.starts.contains(Int(at("2026-03-29T01:00:00Z").timeIntervalSince1970)))
        #expect(budapest.starts.contains(Int(at("2026-10-25T01:00:00Z").timeIntervalSince1970)))
        let gapWall = CivilDate(year: 2026, month: 3, day: 29)!.daysSinceEpoch * 86_400 + 2 * 3600 + 1800
        #expect(budapest.instant(wall: gapWall) == Int(at("2026-03-29T03:30:00+02:00").timeIntervalSince1970))
        let overlapWall = CivilDate(year: 2026, month: 10, day: 25)!.daysSinceEpoch * 86_400 + 2 * 3600 + 1800
        #expect(budapest.instant(wall: overlapWall) == Int(at("2026-10-25T02:30:00+02:00").timeIntervalSince1970))
        let lordHowe = OffsetModel(zone("Australia/Lord_Howe"), from: Self.modelFrom, to: Self.modelTo)
        let lhWall = CivilDate(year: 2026, month: 10, day: 4)!.daysSinceEpoch * 86_400 + 2 * 3600 + 15 * 60
        #expect(lordHowe.instant(wall: lhWall) == Int(at("2026-10-04T02:45:00+11:00").timeIntervalSince1970))
    }

    // MARK: End to end through a real SQLite store, windows tiling 2024–2030 like daemon ticks.

    static let sampleZones = ["Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Budapest", "America/Sao_Paulo",
                              "Australia/Lord_Howe", "Asia/Kathmandu", "America/Santiago"]

    /// Evaluates `rule` over consecutive `step`-long windows from `start` to `end` and compares the keys
    /// found with the keys the offset model expects due in that span: each exactly once, at the expected instant.
    static func tile(rule: RuleConfiguration, store: any CustomerStore, customers: [Customer], feb29: BirthdayRule.Feb29Policy,
                     start: Date, end: Date, step: TimeInterval) throws -> Set<String> {
        let time = rule.sendAt ?? .midnight
        var expected: [String: Date] = [:]
        var models: [String: OffsetModel] = [:]
        for c in customers {
            let tz = zone(c.timezone!)
            if models[c.timezone!] == nil { models[c.timezone!] = OffsetModel(tz, from: modelFrom, to: modelTo) }
            let birthday = Birthday(parsing: c.birthday!)!
            for year in (years.lowerBound - 1)...(years.upperBound + 1) {
                if let born = birthday.year, year <= born { continue }
                let day = birthday.date(in: year, feb29: feb29)
                let due = Date(timeIntervalSince1970: Double(models[c.timezone!]!.instant(wall: day.daysSinceEpoch * 86_400 + time.secondsSinceMidnight)!))
                if due >= start, due < end { expected["birthday:\(c.id):\(year)"] = due }
            }
        }
        var found: [String: [Date]] = [:]
        var failures: Set<String> = []
        var lower = start
        let context = RuleContext(store: store, defaultZone: zone("UTC"))
        while lower < end {
            let upper = min(lower.addingTimeInterval(step), end).addingTimeInterval(-0.001)  // [lower, next lower)
            let yield = try rule.occurrences(dueIn: lower...upper, customerID: nil, context: context)
            for s in yield.skipped { failures.insert("skipped: \(s)") }
            for o in yield.occurrences {
                found[o.key, default: []].append(o.due)
                if o.due < lower || o.due > upper { failures.insert("\(o.key) due \(o.due) outside its window \(lower)…\(upper)") }
            }
            lower = lower.addingTimeInterval(step)
        }
        for (key, dues) in found {
            if dues.count != 1 { failures.insert("\(key) found \(dues.count) times") }
            if let want = expected[key] {
                if dues.first != want { failures.insert("\(key) due \(dues.first!), expected \(want)") }
            } else {
                failures.insert("\(key) found but not expected")
            }
        }
        for key in expected.keys where found[key] == nil { failures.insert("\(key) never found") }
        if expected.isEmpty { failures.insert("nothing expected: the test is vacuous") }
        return failures
    }

    /// Daemon-like windows through each store that holds birthdays without a year: six hours in
    /// SQLite; a day in PostgreSQL, where each window is a round trip (the text store's
    /// `right(birthday, 5)` search is what is being checked).
    @Test(arguments: [(StoreKind.sqlite, 6.0), (.postgresText, 24.0)])
    func testSampleZonesEveryMonthDayTiledThroughTheStore(_ kind: StoreKind, _ hours: Double) throws {
        let folder = TemporaryFolder()
        var customers: [Customer] = []
        for (zi, name) in Self.sampleZones.enumerated() {
            var d = CivilDate(year: 2024, month: 1, day: 1)!  // a leap year: all 366 month-days
            while d.year == 2024 {
                // Alternate unknown-year and full birthdays (born well before 2024).
                let raw = d.day % 2 == 0 ? "--" + d.monthDay : "1980-" + d.monthDay
                customers.append(Customer(id: "z\(zi)-\(d.monthDay)", name: "C", email: "c@example.com", timezone: name, birthday: raw))
                d = d.adding(days: 1)
            }
        }
        let store = try makeStore(kind, in: folder, customers: customers)
        let rule = makeRule("birthday", BirthdayRule(feb29: .feb28), sendAt: "02:30")
        let failures = try Self.tile(rule: rule, store: store, customers: customers, feb29: .feb28,
                                     start: at("2024-01-01T00:00:00Z"), end: at("2031-01-01T00:00:00Z"), step: hours * 3600)
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.sorted().prefix(20))")
    }

    @Test func testEveryZoneOnDSTAndLeapDaysTiledThroughSQLite() throws {
        // Every zone, with birthdays on days that are DST change days somewhere in 2024–2030, and 29 February (mar1).
        let folder = TemporaryFolder()
        let monthDays = ["02-29", "03-10", "03-31", "10-27", "11-03", "12-31"]
        var customers: [Customer] = []
        for (zi, name) in TimeZone.knownTimeZoneIdentifiers.enumerated() {
            for md in monthDays {
                customers.append(Customer(id: "z\(zi)-\(md)", name: "C", email: "c@example.com", timezone: name, birthday: "--" + md))
            }
        }
        let store = try makeStore(in: folder, customers: customers)
        let rule = makeRule("birthday", BirthdayRule(feb29: .mar1), sendAt: "02:30")
        let failures = try Self.tile(rule: rule, store: store, customers: customers, feb29: .mar1,
                                     start: at("2024-01-01T00:00:00Z"), end: at("2031-01-01T00:00:00Z"), step: 6 * 3600)
        #expect(failures.isEmpty, "\(failures.count) failures, e.g. \(failures.sorted().prefix(20))")
    }
}
