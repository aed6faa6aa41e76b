import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The follow-ups of a ticket are found from the window, not by trying every number up to
/// `max_repeats`: the same answer as trying them all, at a cost that does not grow with it.
@Suite struct FollowUpNumbersTests {
    @Test func testAHugeMaxRepeatsCostsNoMoreThanTheFollowUpsInTheWindow() throws {
        let folder = TemporaryFolder()
        // Built in code: the loader refuses max_repeats over 100, but the rule must not depend on that.
        let rule = makeRule("unresolved_ticket", UnresolvedTicketRule(after: .days(2), repeatEvery: .hours(1), maxRepeats: 1_000_000_000))
        let tickets = (1...3).map { i in
            Ticket(id: "T\(i)", customerID: "C1", subject: "Still broken", status: "open", openedAt: "2026-10-30T08:00:00Z",
                   updatedAt: "2026-11-01T10:00:00Z", solvedAt: nil)
        }
        let store = try makeStore(in: folder, customers: [Customer(id: "C1", name: "Anna", email: "anna@example.com", timezone: "Europe/Budapest")],
                                  tickets: tickets)
        // A year after the update: the 8713th follow-up (48 h, then one an hour) is due at 10:00.
        let due = at("2027-11-01T10:00:00Z")
        // Trying every number took minutes per ticket; 30 s only keeps a regression from hanging the suite.
        let found = try finishing(within: 30) {
            try occurrences(rule, store, from: due.addingTimeInterval(-1800), to: due.addingTimeInterval(1799)).occurrences.map { ($0.key, $0.due) }
        }
        #expect(found != nil, "still looking after 30 s")
        let keys = Set(found?.map(\.0) ?? [])
        #expect(keys == ["unresolved_ticket:T1:8713", "unresolved_ticket:T2:8713", "unresolved_ticket:T3:8713"], "\(keys)")
        #expect(found?.allSatisfy { $0.1 == due } == true)
    }

    @Test func testSameFollowUpsAsTryingEveryNumber() {
        var random = SplitMix64(seed: 8)
        let zones = ["UTC", "Europe/Budapest", "America/Sao_Paulo", "Pacific/Kiritimati", "Australia/Lord_Howe", "America/St_Johns"].map(zone)
        let sendAts: [String?] = [nil, "00:00", "02:30", "10:00", "23:59"]
        let everies: [TimeSpan] = [.hours(1), .hours(25), .hours(72), .days(7), .days(366)]
        let afters: [TimeSpan] = [TimeSpan(seconds: 0), .hours(1), .days(2), .days(3660)]
        // Around the 2026 DST changes in both hemispheres.
        let start = at("2026-03-01T00:00:00Z").timeIntervalSince1970
        var found = 0
        for _ in 0..<400 {
            let after = afters[random.next(below: afters.count)], every = everies[random.next(below: everies.count)]
            let maxRepeats = [0, 1, 3, 20, 100][random.next(below: 5)]
            let rule = makeRule("unresolved_ticket", UnresolvedTicketRule(after: after, repeatEvery: every, maxRepeats: maxRepeats),
                                sendAt: sendAts[random.next(below: sendAts.count)])
            let zone = zones[random.next(below: zones.count)]
            let updated = Date(timeIntervalSince1970: start + Double(random.next(below: 240 * 86_400)))
            let lower = updated.addingTimeInterval(after.timeInterval + Double(random.next(below: 60 * 86_400)) - 2 * 86_400)
            let window = lower...lower.addingTimeInterval([3600, 86_400, 7 * 86_400, 400 * 86_400][random.next(below: 4)] - 0.001)
            func isDue(_ n: Int) -> Bool {
                window.contains(rule.due(after: updated, wait: TimeSpan(seconds: after.seconds + (n - 1) * every.seconds), in: zone))
            }
            let everyNumber = (1...(1 + maxRepeats)).filter(isDue)
            found += everyNumber.count
            let fromWindow = rule.followUpNumbers(updated: updated, after: after, every: every, maxRepeats: maxRepeats, dueIn: window).map { Array($0) } ?? []
            #expect(fromWindow.filter(isDue) == everyNumber, "after \(after), every \(every), max \(maxRepeats), send_at \(rule.sendAt.map { "\($0)" } ?? "-"), \(zone.identifier), updated \(updated), window \(window)")
            // The candidates are the due ones and at most a couple around them (send_at may move a due time up to a day).
            #expect(fromWindow.count <= everyNumber.count + 2 * Int(RuleConfiguration.sendAtSlack) / every.seconds + 2)
        }
        // The cases are not all empty windows.
        #expect(found > 400, "\(found) follow-ups in all the windows")
    }

    @Test func testWithoutRepeatEveryOnlyTheFirstIsACandidate() {
        let rule = makeRule("unresolved_ticket", UnresolvedTicketRule(after: .days(2), repeatEvery: nil, maxRepeats: 0))
        let window = at("2026-11-03T00:00:00Z")...at("2026-11-04T00:00:00Z")
        #expect(rule.followUpNumbers(updated: at("2026-11-01T10:00:00Z"), after: .days(2), every: nil, maxRepeats: 5, dueIn: window) == 1...1)
    }

    @Test func testStoreTimesAtTheEdgesOfTheCalendarDoNotTrap() {
        let rule = makeRule("unresolved_ticket", UnresolvedTicketRule(after: .days(3660), repeatEvery: .days(366), maxRepeats: 100), sendAt: "09:00")
        for (updated, window) in [(at("9999-12-31T23:59:59Z"), at("0001-01-01T00:00:00Z")...at("0001-01-02T00:00:00Z")),
                                  (at("0001-01-01T00:00:00Z"), at("9999-12-30T00:00:00Z")...at("9999-12-31T00:00:00Z")),
                                  (at("0001-01-01T00:00:00Z"), at("0001-01-01T00:00:00Z")...at("9999-12-31T00:00:00Z"))] {
            let numbers = rule.followUpNumbers(updated: updated, after: .days(3660), every: .days(366), maxRepeats: 100, dueIn: window)
            #expect(numbers.map { $0.lowerBound >= 1 && $0.upperBound <= 101 } ?? true)
        }
    }
}

/// A small deterministic generator, so a failing case can be run again.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next(below bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
