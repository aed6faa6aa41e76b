import Foundation
import Testing
@testable import OutreachCore

/// The Planner is pure: occurrences, the ledger's facts and `now` in, outcomes out.
@Suite struct PlannerTests {
    static let window = SendWindow(parsing: "09:00-20:00")!
    static let cap = FrequencyCap(parsing: "1/24h")!
    static let postPurchase = PostPurchaseRule(after: .days(14), minAmount: nil, skipIfOpenTicket: false)
    static let birthday = BirthdayRule(feb29: .feb28)

    let planner = Planner(sendWindow: PlannerTests.window, cap: PlannerTests.cap)

    static func customer(_ id: String = "C1", timezone: String = "Europe/Budapest", email: String? = "anna@example.com", optedOut: Bool = false) -> Customer {
        Customer(id: id, name: "Anna Kovács", email: email, locale: "hu", timezone: timezone, optedOut: optedOut)
    }

    static func occurrence(_ key: String, customer: Customer = customer(), due: Date, kind: any RuleKind = postPurchase,
                           priority: Int = 0, maxLateness: TimeSpan? = nil, hold: String? = nil) -> Occurrence {
        let rule = makeRule(key.components(separatedBy: ":").first ?? "rule", kind, priority: priority, maxLateness: maxLateness)
        return Occurrence(key: key, rule: rule, customer: customer, zone: zone(customer.timezone ?? "Europe/Budapest"), due: due,
                          subject: .customer, hold: hold)
    }

    static func candidate(_ o: Occurrence, recipient: String? = "anna@example.com") -> Planner.Candidate {
        Planner.Candidate(occurrence: o, channel: emailChannel, recipient: recipient)
    }

    /// The outcome of every key.
    func outcomes(_ candidates: [Planner.Candidate], history: Planner.History = Planner.History(), now: Date, planner: Planner? = nil) -> [String: Outcome] {
        let entries = (planner ?? self.planner).plan(candidates, history: history, now: now)
        return Dictionary(entries.map { ($0.occurrence.key, $0.outcome) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: Due now

    @Test func testOccurrenceDueNowInsideTheWindowIsDue() {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .due])
    }

    @Test func testNotYetDueWaitsUntilItsDueTime() {
        let now = at("2026-11-23T10:00:00+01:00")
        let due = at("2026-11-23T15:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: due)
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .waiting(until: due, reasons: [.notYetDue(until: due)])])
        // Not yet due by one second.
        let almost = outcomes([Self.candidate(o)], now: due.addingTimeInterval(-1))
        #expect(almost == ["post_purchase:P1": .waiting(until: due, reasons: [.notYetDue(until: due)])])
        #expect(outcomes([Self.candidate(o)], now: due) == ["post_purchase:P1": .due])
    }

    @Test func testNotYetDueAndThenQuietHoursListsBothReasons() {
        let now = at("2026-11-23T10:00:00+01:00")
        let due = at("2026-11-23T21:00:00+01:00")
        let morning = at("2026-11-24T09:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: due)
        #expect(outcomes([Self.candidate(o)], now: now)
            == ["post_purchase:P1": .waiting(until: morning, reasons: [.notYetDue(until: due), .quietHours(until: morning)])])
    }

    // MARK: Quiet hours

    @Test func testQuietHoursPushToTheNextMorningInTheCustomersZone() {
        // 13:30 in Budapest is 21:30 in Tokyo: the Tokyo customer waits for 09:00 Tokyo time.
        let now = at("2026-11-23T13:30:00+01:00")
        let tokyo = Self.customer("T", timezone: "Asia/Tokyo")
        let budapest = Self.customer("B", timezone: "Europe/Budapest")
        let result = outcomes([Self.candidate(Self.occurrence("post_purchase:PT", customer: tokyo, due: now)),
                               Self.candidate(Self.occurrence("post_purchase:PB", customer: budapest, due: now))], now: now)
        let tokyoMorning = at("2026-11-24T09:00:00+09:00")
        #expect(result["post_purchase:PT"] == .waiting(until: tokyoMorning, reasons: [.quietHours(until: tokyoMorning)]))
        #expect(result["post_purchase:PB"] == .due)
    }

    @Test func testBeforeTheWindowOpensWaitsForTheSameMorning() {
        let now = at("2026-11-23T06:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        let opening = at("2026-11-23T09:00:00+01:00")
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .waiting(until: opening, reasons: [.quietHours(until: opening)])])
    }

    @Test func testWindowEndIsExclusive() {
        let now = at("2026-11-23T20:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        let morning = at("2026-11-24T09:00:00+01:00")
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .waiting(until: morning, reasons: [.quietHours(until: morning)])])
        // A second before the end it still goes.
        let lastSecond = now.addingTimeInterval(-1)
        let o2 = Self.occurrence("post_purchase:P2", due: lastSecond)
        #expect(outcomes([Self.candidate(o2)], now: lastSecond) == ["post_purchase:P2": .due])
    }

    @Test func testWindowThatWrapsMidnight() {
        let night = Planner(sendWindow: SendWindow(parsing: "22:00-06:00")!, cap: nil)
        let o = { (due: Date) in Self.candidate(Self.occurrence("post_purchase:P1", due: due)) }
        // 03:00 is inside a 22:00-06:00 window.
        let three = at("2026-11-23T03:00:00+01:00")
        #expect(outcomes([o(three)], now: three, planner: night) == ["post_purchase:P1": .due])
        // 23:30 too.
        let late = at("2026-11-23T23:30:00+01:00")
        #expect(outcomes([o(late)], now: late, planner: night) == ["post_purchase:P1": .due])
        // Noon waits for 22:00 the same day.
        let noon = at("2026-11-23T12:00:00+01:00")
        let ten = at("2026-11-23T22:00:00+01:00")
        #expect(outcomes([o(noon)], now: noon, planner: night) == ["post_purchase:P1": .waiting(until: ten, reasons: [.quietHours(until: ten)])])
        // 06:00 is the (exclusive) end: waits for 22:00.
        let six = at("2026-11-23T06:00:00+01:00")
        #expect(outcomes([o(six)], now: six, planner: night) == ["post_purchase:P1": .waiting(until: ten, reasons: [.quietHours(until: ten)])])
    }

    @Test func testQuietHoursOnADSTChangeDayOpenAtLocalNine() {
        // 2026-03-29 in Budapest: the night is an hour shorter; 09:00 CEST is 07:00Z.
        let now = at("2026-03-29T01:30:00Z")
        let o = Self.occurrence("birthday:C1:2026", due: now, kind: Self.birthday)
        let opening = at("2026-03-29T09:00:00+02:00")
        #expect(outcomes([Self.candidate(o)], now: now) == ["birthday:C1:2026": .waiting(until: opening, reasons: [.quietHours(until: opening)])])
    }

    // MARK: Frequency cap

    @Test func testTwoDueAtOnceHigherPriorityGoesTheOtherWaitsForTheCap() {
        let now = at("2026-11-23T10:00:00+01:00")
        let birthday = Self.occurrence("birthday:C1:2026", due: now, kind: Self.birthday, priority: 10, maxLateness: .days(2))
        let purchase = Self.occurrence("post_purchase:P1", due: now, priority: 5)
        let next = now.addingTimeInterval(24 * 3600)
        // Order of the input does not matter.
        for candidates in [[Self.candidate(purchase), Self.candidate(birthday)], [Self.candidate(birthday), Self.candidate(purchase)]] {
            let result = outcomes(candidates, now: now)
            #expect(result["birthday:C1:2026"] == .due)
            #expect(result["post_purchase:P1"] == .waiting(until: next, reasons: [.frequencyCap(until: next, by: "birthday:C1:2026")]))
        }
    }

    @Test func testThreeDueAtOnceGoOnePerPeriodInPriorityOrder() {
        let now = at("2026-11-23T10:00:00+01:00")
        let high = Self.occurrence("birthday:C1:2026", due: now, kind: Self.birthday, priority: 10, maxLateness: .days(3))
        let mid = Self.occurrence("post_purchase:P5", due: now, priority: 5)
        let low = Self.occurrence("unresolved_ticket:T1:1", due: now, priority: 1)
        let day1 = now.addingTimeInterval(24 * 3600), day2 = now.addingTimeInterval(48 * 3600)
        let result = outcomes([Self.candidate(low), Self.candidate(high), Self.candidate(mid)], now: now)
        #expect(result["birthday:C1:2026"] == .due)
        #expect(result["post_purchase:P5"] == .waiting(until: day1, reasons: [.frequencyCap(until: day1, by: "birthday:C1:2026")]))
        #expect(result["unresolved_ticket:T1:1"] == .waiting(until: day2, reasons: [.frequencyCap(until: day1, by: "birthday:C1:2026"),
                                                                                   .frequencyCap(until: day2, by: "post_purchase:P5")]))
    }

    @Test func testCapIsPerCustomer() {
        let now = at("2026-11-23T10:00:00+01:00")
        let a = Self.occurrence("post_purchase:PA", customer: Self.customer("A"), due: now)
        let b = Self.occurrence("post_purchase:PB", customer: Self.customer("B"), due: now)
        #expect(outcomes([Self.candidate(a), Self.candidate(b)], now: now) == ["post_purchase:PA": .due, "post_purchase:PB": .due])
    }

    @Test func testEqualPriorityGoesByDueTimeThenKey() {
        let now = at("2026-11-23T10:00:00+01:00")
        let older = Self.occurrence("post_purchase:Z", due: now.addingTimeInterval(-3600))
        let newer = Self.occurrence("post_purchase:A", due: now)
        let next = now.addingTimeInterval(24 * 3600)
        let result = outcomes([Self.candidate(newer), Self.candidate(older)], now: now)
        #expect(result["post_purchase:Z"] == .due)
        #expect(result["post_purchase:A"] == .waiting(until: next, reasons: [.frequencyCap(until: next, by: "post_purchase:Z")]))
    }

    @Test func testCapWithHistoryWaitsUntilThePeriodHasPassedSinceTheLastSend() throws {
        // Sent at 10:00 under 1/24h; at 13:00 the next message waits 21 h, until 10:00 tomorrow (inside the window).
        let now = at("2026-11-23T13:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        let history = Planner.History(capEvents: ["C1": [now.addingTimeInterval(-3 * 3600)]])
        let result = try #require(outcomes([Self.candidate(o)], history: history, now: now)["post_purchase:P1"])
        let free = now.addingTimeInterval(21 * 3600)
        guard case .waiting(let until, let reasons) = result else { Issue.record("expected waiting, got \(result)"); return }
        #expect(until == free)
        #expect(reasons.count == 1)
        guard case .frequencyCap(let capUntil, _) = reasons.first else { Issue.record("expected a cap reason, got \(reasons)"); return }
        #expect(capUntil == free)
    }

    @Test func testCapThatFreesInQuietHoursWaitsForTheWindow() throws {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        // Sent last night at 21:30 (say by send-test): the cap frees tonight at 21:30, inside quiet hours.
        let history = Planner.History(capEvents: ["C1": [at("2026-11-22T21:30:00+01:00")]])
        let result = try #require(outcomes([Self.candidate(o)], history: history, now: now)["post_purchase:P1"])
        guard case .waiting(let until, _) = result else { Issue.record("expected waiting, got \(result)"); return }
        #expect(until == at("2026-11-24T09:00:00+01:00"))
    }

    @Test func testCapAllowsTheConfiguredCountAndForgetsOldSends() {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        let twoPerDay = Planner(sendWindow: Self.window, cap: FrequencyCap(parsing: "2/24h")!)
        let recent = Planner.History(capEvents: ["C1": [now.addingTimeInterval(-3 * 3600)]])
        #expect(outcomes([Self.candidate(o)], history: recent, now: now, planner: twoPerDay) == ["post_purchase:P1": .due])
        let old = Planner.History(capEvents: ["C1": [now.addingTimeInterval(-25 * 3600)]])
        #expect(outcomes([Self.candidate(o)], history: old, now: now) == ["post_purchase:P1": .due])
        // Someone else's send does not count.
        let other = Planner.History(capEvents: ["C2": [now.addingTimeInterval(-3600)]])
        #expect(outcomes([Self.candidate(o)], history: other, now: now) == ["post_purchase:P1": .due])
    }

    @Test func testCapPushingPastTheDeadlineWillExpire() {
        let now = at("2026-11-23T10:00:00+01:00")
        let winner = Self.occurrence("post_purchase:P1", due: now, priority: 5)
        let loser = Self.occurrence("birthday:C1:2026", due: now, kind: Self.birthday, priority: 1, maxLateness: .hours(12))
        let next = now.addingTimeInterval(24 * 3600)
        let result = outcomes([Self.candidate(winner), Self.candidate(loser)], now: now)
        #expect(result["post_purchase:P1"] == .due)
        #expect(result["birthday:C1:2026"] == .willExpire(at: now.addingTimeInterval(12 * 3600),
                                                          reasons: [.frequencyCap(until: next, by: "post_purchase:P1")]))
    }

    // MARK: Lateness

    @Test func testDeadlinePassedIsExpiredAtTheDeadline() {
        let now = at("2026-11-23T10:00:00+01:00")
        let due = now.addingTimeInterval(-8 * 86_400)
        let o = Self.occurrence("post_purchase:P1", due: due)
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .expired(at: due.addingTimeInterval(7 * 86_400))])
    }

    @Test func testExactlyAtTheDeadlineItStillGoes() {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now.addingTimeInterval(-7 * 86_400))
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .due])
        #expect(outcomes([Self.candidate(o)], now: now.addingTimeInterval(1)) == ["post_purchase:P1": .expired(at: now)])
    }

    @Test func testQuietHoursLastingBeyondTheDeadlineWillExpire() {
        let now = at("2026-11-23T21:00:00+01:00")
        let o = Self.occurrence("birthday:C1:2026", due: now, kind: Self.birthday, maxLateness: .hours(2))
        let morning = at("2026-11-24T09:00:00+01:00")
        #expect(outcomes([Self.candidate(o)], now: now)
            == ["birthday:C1:2026": .willExpire(at: at("2026-11-23T23:00:00+01:00"), reasons: [.quietHours(until: morning)])])
    }

    @Test func testDaemonDownForADaySendsWhatIsWithinLatenessAndExpiresTheRest() {
        // The daemon comes back at 10:00 the next day.
        let now = at("2026-11-24T10:00:00+01:00")
        let purchase = Self.occurrence("post_purchase:P1", due: at("2026-11-23T10:00:00+01:00"))
        let birthday = Self.occurrence("birthday:C1:2026", due: at("2026-11-23T09:00:00+01:00"), kind: Self.birthday)
        let result = outcomes([Self.candidate(purchase), Self.candidate(birthday)], now: now)
        #expect(result["post_purchase:P1"] == .due)
        #expect(result["birthday:C1:2026"] == .expired(at: at("2026-11-24T09:00:00+01:00")))
        // A birthday due yesterday at 11:00 is still within its day of lateness.
        let later = Self.occurrence("birthday:C2:2026", customer: Self.customer("C2"), due: at("2026-11-23T11:00:00+01:00"), kind: Self.birthday)
        #expect(outcomes([Self.candidate(later)], now: now) == ["birthday:C2:2026": .due])
    }

    // MARK: Blocks and the ledger

    @Test func testOptedOutCustomerGetsNothing() {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", customer: Self.customer(optedOut: true), due: now)
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .blocked(.optedOut)])
    }

    @Test func testSuppressedAddressIsBlockedWhateverItsCase() {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        let history = Planner.History(suppressed: ["anna@example.com"])
        #expect(outcomes([Self.candidate(o, recipient: "Anna@Example.COM")], history: history, now: now) == ["post_purchase:P1": .blocked(.suppressed)])
        #expect(outcomes([Self.candidate(o, recipient: "other@example.com")], history: history, now: now) == ["post_purchase:P1": .due])
    }

    @Test func testNoRecipientIsBlockedNamingTheFieldAndChannel() {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", customer: Self.customer(email: nil), due: now)
        #expect(outcomes([Self.candidate(o, recipient: nil)], now: now) == ["post_purchase:P1": .blocked(.noAddress(.email, channel: "email"))])
    }

    @Test func testLedgerRecordMeansRecordedNeverAgain() {
        let now = at("2026-11-23T10:00:00+01:00")
        let o = Self.occurrence("post_purchase:P1", due: now)
        for state in LedgerState.allCases {
            let record = LedgerRecord(key: "post_purchase:P1", state: state, queuedAt: now.addingTimeInterval(-60), updatedAt: now.addingTimeInterval(-30))
            let history = Planner.History(records: ["post_purchase:P1": record])
            #expect(outcomes([Self.candidate(o)], history: history, now: now) == ["post_purchase:P1": .recorded(record)], "\(state)")
        }
    }

    @Test func testRecordedOccurrenceDoesNotTakeTheCapFromAnotherKey() {
        let now = at("2026-11-23T10:00:00+01:00")
        let sent = Self.occurrence("birthday:C1:2026", due: now, kind: Self.birthday, priority: 10)
        let other = Self.occurrence("post_purchase:P1", due: now)
        let record = LedgerRecord(key: "birthday:C1:2026", state: .failed, queuedAt: now.addingTimeInterval(-60), updatedAt: now.addingTimeInterval(-30))
        let result = outcomes([Self.candidate(sent), Self.candidate(other)], history: Planner.History(records: ["birthday:C1:2026": record]), now: now)
        #expect(result["birthday:C1:2026"] == .recorded(record))
        #expect(result["post_purchase:P1"] == .due)
    }

    @Test func testHeldOccurrenceIsBlockedOnceDueAndWaitsBefore() {
        let now = at("2026-11-23T10:00:00+01:00")
        let reason = "the customer has an open ticket (skip_if_open_ticket)"
        let dueNow = Self.occurrence("post_purchase:P1", due: now, hold: reason)
        #expect(outcomes([Self.candidate(dueNow)], now: now) == ["post_purchase:P1": .blocked(.held(reason))])
        let later = now.addingTimeInterval(3600)
        let dueLater = Self.occurrence("post_purchase:P2", due: later, hold: reason)
        #expect(outcomes([Self.candidate(dueLater)], now: now) == ["post_purchase:P2": .waiting(until: later, reasons: [.notYetDue(until: later)])])
    }

    @Test func testHeldOccurrenceDoesNotTakeTheCap() {
        let now = at("2026-11-23T10:00:00+01:00")
        let held = Self.occurrence("post_purchase:P1", due: now, priority: 10, hold: "open ticket")
        let other = Self.occurrence("birthday:C1:2026", due: now, kind: Self.birthday)
        let result = outcomes([Self.candidate(held), Self.candidate(other)], now: now)
        #expect(result["post_purchase:P1"] == .blocked(.held("open ticket")))
        #expect(result["birthday:C1:2026"] == .due)
    }

    @Test func testHeldOccurrencePastItsDeadlineIsExpiredNotHeldForever() {
        // "An occurrence that could not go out in time … is recorded as expired, never silently dropped."
        let now = at("2026-11-23T10:00:00+01:00")
        let due = now.addingTimeInterval(-8 * 86_400)
        let o = Self.occurrence("post_purchase:P1", due: due, hold: "open ticket")
        #expect(outcomes([Self.candidate(o)], now: now) == ["post_purchase:P1": .expired(at: due.addingTimeInterval(7 * 86_400))])
    }

    @Test func testEntriesComeOutOrderedByDueThenKey() {
        let now = at("2026-11-23T10:00:00+01:00")
        let a = Self.occurrence("post_purchase:B", customer: Self.customer("X"), due: now)
        let b = Self.occurrence("post_purchase:A", customer: Self.customer("Y"), due: now)
        let c = Self.occurrence("post_purchase:C", customer: Self.customer("Z"), due: now.addingTimeInterval(-60))
        let keys = planner.plan([Self.candidate(a), Self.candidate(b), Self.candidate(c)], history: Planner.History(), now: now).map(\.occurrence.key)
        #expect(keys == ["post_purchase:C", "post_purchase:A", "post_purchase:B"])
    }

    @Test func testWithoutWindowOrCapEverythingDueGoesAtOnce() {
        let free = Planner(sendWindow: nil, cap: nil)
        let now = at("2026-11-23T03:00:00+01:00")
        let a = Self.occurrence("post_purchase:P1", due: now)
        let b = Self.occurrence("post_purchase:P2", due: now)
        #expect(outcomes([Self.candidate(a), Self.candidate(b)], now: now, planner: free) == ["post_purchase:P1": .due, "post_purchase:P2": .due])
    }
}
