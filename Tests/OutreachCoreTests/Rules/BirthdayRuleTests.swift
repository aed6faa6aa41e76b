import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The birthday rule against a real SQLite store, with explicit windows of due times.
@Suite struct BirthdayRuleTests {
    let rule = makeRule("birthday", BirthdayRule(feb29: .feb28), sendAt: "09:00")

    func customer(_ id: String, birthday: String?, timezone: String? = nil) -> Customer {
        Customer(id: id, name: "Customer \(id)", email: "\(id.lowercased())@example.com", timezone: timezone, birthday: birthday)
    }

    /// `key → due` of the occurrences found.
    func dues(_ yield: RuleYield) -> [String: Date] {
        Dictionary(yield.occurrences.map { ($0.key, $0.due) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: Both sides of the date line

    @Test(arguments: StoreKind.all)
    func testBirthdayOnKiritimatiIsDueBeforeUTCMidnight(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("K", birthday: "1990-11-23", timezone: "Pacific/Kiritimati")])
        // 23 Nov 09:00 at +14:00 is 22 Nov 19:00 UTC: the greeting goes out before 23 Nov has begun in UTC.
        let y = try occurrences(rule, store, from: at("2026-11-22T18:00:00Z"), to: at("2026-11-22T20:00:00Z"))
        #expect(dues(y) == ["birthday:K:2026": at("2026-11-22T19:00:00Z")])
        #expect(y.occurrences.first?.zone.identifier == "Pacific/Kiritimati")
        // Nothing on the UTC day 23 Nov itself.
        let later = try occurrences(rule, store, from: at("2026-11-23T00:00:00Z"), to: at("2026-11-23T23:59:59Z"))
        #expect(later.occurrences.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testBirthdayOnPagoPagoIsDueLateOnTheUTCDay(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("P", birthday: "1990-11-23", timezone: "Pacific/Pago_Pago")])
        // 23 Nov 09:00 at -11:00 is 23 Nov 20:00 UTC.
        let y = try occurrences(rule, store, from: at("2026-11-23T19:59:59Z"), to: at("2026-11-23T20:00:00Z"))
        #expect(dues(y) == ["birthday:P:2026": at("2026-11-23T20:00:00Z")])
        let before = try occurrences(rule, store, from: at("2026-11-22T00:00:00Z"), to: at("2026-11-23T19:59:59Z"))
        #expect(before.occurrences.isEmpty)
    }

    @Test(arguments: StoreKind.textual)
    func testSameUTCInstantIsADifferentLocalDateEachSideOfTheDateLine(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // Midnight local (no send_at) so the due instant is where the local date begins.
        let midnight = makeRule("birthday", BirthdayRule(feb29: .feb28))
        let store = try makeStore(kind, in: folder, customers: [
            customer("K24", birthday: "--11-24", timezone: "Pacific/Kiritimati"),
            customer("K23", birthday: "--11-23", timezone: "Pacific/Kiritimati"),
            customer("P23", birthday: "--11-23", timezone: "Pacific/Pago_Pago"),
            customer("P22", birthday: "--11-22", timezone: "Pacific/Pago_Pago"),
        ])
        // At 2026-11-23T10:00Z it is 24 Nov 00:00 on Kiritimati and 22 Nov 23:00 on Pago Pago.
        let y = try occurrences(midnight, store, from: at("2026-11-23T10:00:00Z"), to: at("2026-11-23T10:00:00Z"))
        #expect(dues(y) == ["birthday:K24:2026": at("2026-11-23T10:00:00Z")])
        // The same local date, 23 Nov, begins 25 hours apart.
        let k = try occurrences(midnight, store, from: at("2026-11-22T10:00:00Z"), to: at("2026-11-22T10:00:00Z"), customerID: "K23")
        let p = try occurrences(midnight, store, from: at("2026-11-23T11:00:00Z"), to: at("2026-11-23T11:00:00Z"), customerID: "P23")
        #expect(dues(k) == ["birthday:K23:2026": at("2026-11-22T10:00:00Z")])
        #expect(dues(p) == ["birthday:P23:2026": at("2026-11-23T11:00:00Z")])
        // Over the whole UTC day of 23 Nov: Kiritimati's 24 Nov and Pago Pago's 23 Nov birthdays (and not the others).
        let day = try occurrences(midnight, store, from: at("2026-11-23T00:00:00Z"), to: at("2026-11-23T23:59:59Z"))
        #expect(Set(dues(day).keys) == ["birthday:K24:2026", "birthday:P23:2026"])
    }

    @Test(arguments: StoreKind.all)
    func testCustomerWithoutZoneUsesTheDefaultZone(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("N", birthday: "1980-06-15", timezone: nil),
                                                          customer("E", birthday: "1980-06-15", timezone: "  ")])
        let tokyo = try occurrences(rule, store, from: at("2026-06-14T00:00:00Z"), to: at("2026-06-16T00:00:00Z"), defaultZone: "Asia/Tokyo")
        #expect(dues(tokyo) == ["birthday:N:2026": at("2026-06-15T09:00:00+09:00"), "birthday:E:2026": at("2026-06-15T09:00:00+09:00")])
        #expect(tokyo.occurrences.allSatisfy { $0.zone.identifier == "Asia/Tokyo" })
        let budapest = try occurrences(rule, store, from: at("2026-06-14T00:00:00Z"), to: at("2026-06-16T00:00:00Z"), defaultZone: "Europe/Budapest")
        #expect(dues(budapest)["birthday:N:2026"] == at("2026-06-15T09:00:00+02:00"))
    }

    // MARK: DST change days, send_at 02:30

    @Test(arguments: StoreKind.all)
    func testSpringGapMovesSendAtForwardByTheGap(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("S", birthday: "1975-03-29", timezone: "Europe/Budapest")])
        let early = makeRule("birthday", BirthdayRule(feb29: .feb28), sendAt: "02:30")
        // 2026-03-29: 02:00 CET → 03:00 CEST; 02:30 does not exist and means 03:30 CEST (01:30Z).
        let y = try occurrences(early, store, from: at("2026-03-28T00:00:00Z"), to: at("2026-03-30T00:00:00Z"))
        #expect(dues(y) == ["birthday:S:2026": at("2026-03-29T03:30:00+02:00")])
        let due = try #require(y.occurrences.first?.due)
        #expect(Timestamp.format(due, in: zone("Europe/Budapest")) == "2026-03-29T03:30:00+02:00")
        // Exactly once that day: nothing in the hour before (where 02:30 would be had there been no gap) …
        #expect(try occurrences(early, store, from: at("2026-03-29T00:30:00Z"), to: at("2026-03-29T01:29:59Z")).occurrences.isEmpty)
        // … and nothing later that day.
        #expect(try occurrences(early, store, from: at("2026-03-29T01:30:01Z"), to: at("2026-03-29T21:59:59Z")).occurrences.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testAutumnOverlapMeansTheFirstOccurrenceOnly(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("A", birthday: "1975-10-25", timezone: "Europe/Budapest")])
        let early = makeRule("birthday", BirthdayRule(feb29: .feb28), sendAt: "02:30")
        // 2026-10-25: 03:00 CEST → 02:00 CET; 02:30 happens at 00:30Z and again at 01:30Z. Only the first.
        let y = try occurrences(early, store, from: at("2026-10-24T00:00:00Z"), to: at("2026-10-26T00:00:00Z"))
        #expect(dues(y) == ["birthday:A:2026": at("2026-10-25T02:30:00+02:00")])
        let second = try occurrences(early, store, from: at("2026-10-25T01:00:00Z"), to: at("2026-10-25T02:00:00Z"))
        #expect(second.occurrences.isEmpty)
    }

    @Test(arguments: StoreKind.textual)
    func testDSTDayInEveryYearKeepsTheYearInTheKey(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // 31 March is the EU spring change day in 2024 and 2030.
        let store = try makeStore(kind, in: folder, customers: [customer("D", birthday: "--03-31", timezone: "Europe/Berlin")])
        let early = makeRule("birthday", BirthdayRule(feb29: .feb28), sendAt: "02:30")
        let y2024 = try occurrences(early, store, from: at("2024-03-30T00:00:00Z"), to: at("2024-04-01T00:00:00Z"))
        #expect(dues(y2024) == ["birthday:D:2024": at("2024-03-31T03:30:00+02:00")])
        let y2025 = try occurrences(early, store, from: at("2025-03-30T00:00:00Z"), to: at("2025-04-01T00:00:00Z"))
        #expect(dues(y2025) == ["birthday:D:2025": at("2025-03-31T02:30:00+02:00")])
    }

    // MARK: 29 February

    @Test(arguments: StoreKind.all)
    func testLeapDayBirthdayIsDueOnLeapDayInALeapYear(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("L", birthday: "1988-02-29", timezone: "Europe/Budapest")])
        for policy in BirthdayRule.Feb29Policy.allCases {
            let r = makeRule("birthday", BirthdayRule(feb29: policy), sendAt: "09:00")
            let y = try occurrences(r, store, from: at("2028-02-27T00:00:00Z"), to: at("2028-03-02T00:00:00Z"))
            #expect(dues(y) == ["birthday:L:2028": at("2028-02-29T09:00:00+01:00")], "\(policy)")
        }
    }

    @Test(arguments: StoreKind.all)
    func testLeapDayBirthdayIsKeptOnFeb28InOtherYearsByDefault(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("L", birthday: "1988-02-29", timezone: "Europe/Budapest")])
        let y = try occurrences(rule, store, from: at("2027-02-26T00:00:00Z"), to: at("2027-03-03T00:00:00Z"))
        #expect(dues(y) == ["birthday:L:2027": at("2027-02-28T09:00:00+01:00")])
    }

    @Test(arguments: StoreKind.textual)
    func testLeapDayBirthdayIsKeptOnMarch1WithMar1Policy(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("L", birthday: "--02-29", timezone: "Europe/Budapest")])
        let mar1 = makeRule("birthday", BirthdayRule(feb29: .mar1), sendAt: "09:00")
        let y = try occurrences(mar1, store, from: at("2027-02-26T00:00:00Z"), to: at("2027-03-03T00:00:00Z"))
        #expect(dues(y) == ["birthday:L:2027": at("2027-03-01T09:00:00+01:00")])
        // A narrow window on 1 March alone finds it (the month-day query must ask for 02-29 then).
        let narrow = try occurrences(mar1, store, from: at("2027-03-01T08:00:00Z"), to: at("2027-03-01T08:00:00Z"))
        #expect(dues(narrow) == ["birthday:L:2027": at("2027-03-01T09:00:00+01:00")])
    }

    // MARK: Formats

    @Test(arguments: StoreKind.textual)
    func testBirthdayWithoutYearTriggersEveryYear(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("M", birthday: "--07-04", timezone: "America/New_York")])
        let y = try occurrences(rule, store, from: at("2026-07-04T12:00:00Z"), to: at("2026-07-04T14:00:00Z"))
        #expect(dues(y) == ["birthday:M:2026": at("2026-07-04T09:00:00-04:00")])
        let next = try occurrences(rule, store, from: at("2027-07-04T12:00:00Z"), to: at("2027-07-04T14:00:00Z"))
        #expect(dues(next) == ["birthday:M:2027": at("2027-07-04T09:00:00-04:00")])
    }

    // MARK: Year end

    @Test(arguments: StoreKind.all)
    func testDecember31BirthdayIsFoundFromAJanuary1WindowWithinLateness(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("Y", birthday: "1970-12-31", timezone: "Europe/Budapest")])
        // A tick on 1 Jan 2027 06:00 looks back max_lateness (1 day) and still finds the greeting of 31 Dec 2026.
        let now = at("2027-01-01T06:00:00+01:00")
        let y = try occurrences(rule, store, from: now.addingTimeInterval(-rule.maxLateness.timeInterval), to: now)
        #expect(dues(y) == ["birthday:Y:2026": at("2026-12-31T09:00:00+01:00")])
        // And the next one is keyed with the next year.
        let next = try occurrences(rule, store, from: at("2027-12-31T00:00:00Z"), to: at("2027-12-31T23:00:00Z"))
        #expect(dues(next) == ["birthday:Y:2027": at("2027-12-31T09:00:00+01:00")])
    }

    @Test(arguments: StoreKind.textual)
    func testJanuary1BirthdayOnKiritimatiIsKeyedWithTheNewYear(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("J", birthday: "--01-01", timezone: "Pacific/Kiritimati")])
        // 1 Jan 2027 09:00 +14:00 is still 31 Dec 2026 in UTC.
        let y = try occurrences(rule, store, from: at("2026-12-31T00:00:00Z"), to: at("2026-12-31T23:59:59Z"))
        #expect(dues(y) == ["birthday:J:2027": at("2026-12-31T19:00:00Z")])
    }

    @Test(arguments: StoreKind.all)
    func testBirthYearAfterTheOccurrenceDoesNotTrigger(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("F", birthday: "2030-05-10", timezone: "Europe/Budapest"),
                                                          customer("G", birthday: "2025-05-10", timezone: "Europe/Budapest")])
        let y = try occurrences(rule, store, from: at("2026-05-09T00:00:00Z"), to: at("2026-05-11T00:00:00Z"))
        #expect(Set(dues(y).keys) == ["birthday:G:2026"])
        let explained = try occurrences(rule, store, from: at("2026-05-09T00:00:00Z"), to: at("2026-05-11T00:00:00Z"), customerID: "F")
        #expect(explained.occurrences.isEmpty)
        #expect(explained.skipped.isEmpty)
    }

    // MARK: Rows that cannot be used

    @Test(arguments: StoreKind.textual, ["1985-13-40", "31/12/1980", "1985-02-29", "--02-30", "1985-3-1", "birthday"])
    func testUnparseableBirthdayIsSkippedWithAReason(_ kind: StoreKind, _ raw: String) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("BAD", birthday: raw, timezone: "Europe/Budapest"),
                                                          customer("OK", birthday: "1980-12-31", timezone: "Europe/Budapest")])
        // explain (narrowed to the customer) sees the row and says why.
        let bad = try occurrences(rule, store, from: at("2026-12-30T00:00:00Z"), to: at("2027-01-02T00:00:00Z"), customerID: "BAD")
        #expect(bad.occurrences.isEmpty)
        #expect(bad.skipped.count == 1)
        #expect(bad.skipped.first?.customerID == "BAD")
        #expect(bad.skipped.first?.reason.contains(raw) == true, "\(bad.skipped)")
        // A tick over the whole store still finds the good customer.
        let tick = try occurrences(rule, store, from: at("2026-12-30T00:00:00Z"), to: at("2027-01-02T00:00:00Z"))
        #expect(dues(tick) == ["birthday:OK:2026": at("2026-12-31T09:00:00+01:00")])
    }

    @Test(arguments: StoreKind.textual)
    func testBadBirthdayMatchingTheMonthDayIndexIsSkippedInATick(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // Ends in a real month-day, so the tick's month-day query returns it; it must be skipped, not crash or trigger.
        let store = try makeStore(kind, in: folder, customers: [customer("BAD", birthday: "19x5-03-15", timezone: "Europe/Budapest"),
                                                          customer("OK", birthday: "1985-03-15", timezone: "Europe/Budapest")])
        let y = try occurrences(rule, store, from: at("2026-03-14T00:00:00Z"), to: at("2026-03-16T00:00:00Z"))
        #expect(dues(y) == ["birthday:OK:2026": at("2026-03-15T09:00:00+01:00")])
        #expect(y.skipped.map(\.customerID) == ["BAD"])
        #expect(y.skipped.first?.reason.contains("19x5-03-15") == true)
    }

    @Test(arguments: StoreKind.textual)
    func testPaddedBirthdayIsTreatedAlikeByATickAndByExplain(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // A CHAR-padded column: a tick finds birthdays by their last five characters, so it never sees
        // this one; explain must not claim it is due, and names why it never triggers.
        let store = try makeStore(kind, in: folder, customers: [customer("PAD", birthday: "1985-03-15 ", timezone: "Europe/Budapest")])
        let from = at("2026-03-14T00:00:00Z"), to = at("2026-03-16T00:00:00Z")
        let explained = try occurrences(rule, store, from: from, to: to, customerID: "PAD")
        let tick = try occurrences(rule, store, from: from, to: to)
        #expect(tick.occurrences.map(\.key) == explained.occurrences.map(\.key),
                "explain says \(explained.occurrences.map(\.key)) / \(explained.skipped), a tick finds \(tick.occurrences.map(\.key)) / \(tick.skipped)")
        #expect(explained.occurrences.isEmpty)
        #expect(explained.skipped.map(\.customerID) == ["PAD"])
        #expect(explained.skipped.first?.reason.contains("never triggers") == true)
    }

    @Test(arguments: StoreKind.all)
    func testUnknownTimeZoneIsSkippedWithAReason(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("Z", birthday: "1985-03-15", timezone: "Mars/Olympus_Mons"),
                                                          customer("OK", birthday: "1985-03-15", timezone: "Asia/Kathmandu")])
        let y = try occurrences(rule, store, from: at("2026-03-14T00:00:00Z"), to: at("2026-03-16T00:00:00Z"))
        #expect(dues(y) == ["birthday:OK:2026": at("2026-03-15T09:00:00+05:45")])
        #expect(y.skipped.count == 1)
        #expect(y.skipped.first?.customerID == "Z")
        #expect(y.skipped.first?.reason.contains("Mars/Olympus_Mons") == true)
    }

    @Test(arguments: StoreKind.textual)
    func testEmptyOrMissingBirthdayNeverTriggersAndIsNotReported(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("E", birthday: ""), customer("N", birthday: nil),
                                                          customer("W", birthday: "   ")])
        for id in ["E", "N", "W"] {
            let y = try occurrences(rule, store, from: at("2026-01-01T00:00:00Z"), to: at("2026-12-31T23:59:59Z"), customerID: id)
            #expect(y.occurrences.isEmpty, "\(id)")
            #expect(y.skipped.isEmpty, "\(id)")
        }
        let tick = try occurrences(rule, store, from: at("2026-01-01T00:00:00Z"), to: at("2026-12-31T23:59:59Z"))
        #expect(tick.occurrences.isEmpty)
        #expect(tick.skipped.isEmpty)
    }

    // MARK: The month-day candidates and the window

    @Test func testMonthDaysAroundAWindowAreTheDatesSendAtCanFallOnInAnyZoneAndLeapDay() {
        // Midnight on 27 Feb at UTC-12 is 12:00Z that day; on 1 Mar at UTC+14, 10:00Z on 28 Feb.
        let days = BirthdayRule.monthDays(around: at("2027-02-28T12:00:00Z")...at("2027-02-28T12:00:00Z"), sendAt: .midnight)
        #expect(days == ["02-27", "02-28", "03-01", "02-29"])
        let newYear = BirthdayRule.monthDays(around: at("2026-12-31T23:00:00Z")...at("2027-01-01T01:00:00Z"), sendAt: .midnight)
        #expect(newYear == ["12-31", "01-01"])
        // 09:00 moves the dates back: 09:00 on 30 Nov is 19:00Z on 29 Nov at UTC+14, 21:00Z on 30 Nov at UTC-12.
        let nine = BirthdayRule.monthDays(around: at("2026-11-29T10:00:00Z")...at("2026-11-30T10:00:00Z"), sendAt: TimeOfDay(parsing: "09:00")!)
        #expect(nine == ["11-28", "11-29", "11-30"])
    }

    @Test(arguments: StoreKind.textual)
    func testOccurrenceIsFoundOnlyInTheWindowThatContainsItsDueInstant(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("W", birthday: "--08-20", timezone: "Europe/Budapest")])
        let due = at("2026-08-20T09:00:00+02:00")
        #expect(try occurrences(rule, store, from: due, to: due).occurrences.map(\.key) == ["birthday:W:2026"])
        #expect(try occurrences(rule, store, from: due.addingTimeInterval(1), to: due.addingTimeInterval(3600)).occurrences.isEmpty)
        #expect(try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(-1)).occurrences.isEmpty)
        let y = try occurrences(rule, store, from: due, to: due)
        let o = try #require(y.occurrences.first)
        #expect(o.subject == .customer)
        #expect(o.deadline == due.addingTimeInterval(86_400))
        #expect(o.customer.id == "W")
    }
}
