import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The unresolved_ticket rule against a real SQLite store, with explicit windows of due times.
@Suite struct UnresolvedTicketRuleTests {
    /// after 2d, again every 3d, at most 2 more times: follow-ups at +2d, +5d, +8d.
    let rule = makeRule("unresolved_ticket", UnresolvedTicketRule(after: .days(2), repeatEvery: .days(3), maxRepeats: 2))

    func customer(_ id: String, timezone: String? = "Europe/Budapest") -> Customer {
        Customer(id: id, name: "Customer \(id)", email: "\(id.lowercased())@example.com", timezone: timezone)
    }

    func ticket(_ id: String, customer: String = "C1", status: String = "open", updatedAt: String = "2026-11-01T10:00:00Z", solvedAt: String? = nil) -> Ticket {
        Ticket(id: id, customerID: customer, subject: "Broken coffee machine", status: status, openedAt: "2026-10-30T08:00:00Z",
               updatedAt: updatedAt, solvedAt: solvedAt)
    }

    func dues(_ yield: RuleYield) -> [String: Date] {
        Dictionary(yield.occurrences.map { ($0.key, $0.due) }, uniquingKeysWith: { a, _ in a })
    }

    @Test(arguments: StoreKind.all)
    func testFirstFollowUpIsDueAfterTheWaitWithKeyOne(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1")])
        let due = at("2026-11-03T10:00:00Z")
        #expect(try occurrences(rule, store, from: due.addingTimeInterval(-86_400), to: due.addingTimeInterval(-1)).occurrences.isEmpty)
        let y = try occurrences(rule, store, from: due.addingTimeInterval(-86_400), to: due)
        #expect(dues(y) == ["unresolved_ticket:T1:1": due])
        let o = try #require(y.occurrences.first)
        guard case .ticket(let t, let n) = o.subject else { Issue.record("subject \(o.subject)"); return }
        #expect(t.id == "T1")
        #expect(n == 1)
    }

    @Test(arguments: StoreKind.all)
    func testFollowUpsRepeatEveryIntervalUpToMaxRepeatsAndNeverMore(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1")])
        // The whole next two months at once.
        let all = try occurrences(rule, store, from: at("2026-11-01T00:00:00Z"), to: at("2026-12-31T23:59:59Z"))
        #expect(dues(all) == [
            "unresolved_ticket:T1:1": at("2026-11-03T10:00:00Z"),
            "unresolved_ticket:T1:2": at("2026-11-06T10:00:00Z"),
            "unresolved_ticket:T1:3": at("2026-11-09T10:00:00Z"),
        ])
        let numbers = all.occurrences.compactMap { o -> Int? in if case .ticket(_, let n) = o.subject { return n } else { return nil } }
        #expect(numbers.sorted() == [1, 2, 3])
        // Where a fourth would be (+11d): nothing.
        #expect(try occurrences(rule, store, from: at("2026-11-12T00:00:00Z"), to: at("2026-11-13T00:00:00Z")).occurrences.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testDaemonTicksFindEachFollowUpExactlyOnce(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1"), ticket("T2", updatedAt: "2026-11-02T23:59:59+01:00")])
        var seen: [String: Int] = [:]
        var lower = at("2026-11-01T00:00:00Z")
        while lower < at("2026-12-01T00:00:00Z") {
            let upper = lower.addingTimeInterval(3600 - 0.001)
            for o in try occurrences(rule, store, from: lower, to: upper).occurrences { seen[o.key, default: 0] += 1 }
            lower = lower.addingTimeInterval(3600)
        }
        #expect(seen == ["unresolved_ticket:T1:1": 1, "unresolved_ticket:T1:2": 1, "unresolved_ticket:T1:3": 1,
                         "unresolved_ticket:T2:1": 1, "unresolved_ticket:T2:2": 1, "unresolved_ticket:T2:3": 1])
    }

    @Test(arguments: StoreKind.all)
    func testWithoutRepeatsThereIsOnlyOneFollowUp(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let once = makeRule("unresolved_ticket", UnresolvedTicketRule(after: .days(2), repeatEvery: nil, maxRepeats: 0))
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1")])
        let y = try occurrences(once, store, from: at("2026-11-01T00:00:00Z"), to: at("2026-12-31T00:00:00Z"))
        #expect(dues(y) == ["unresolved_ticket:T1:1": at("2026-11-03T10:00:00Z")])
    }

    @Test(arguments: StoreKind.all)
    func testPendingTicketsAreFollowedUpLikeOpenOnes(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("TP", status: "pending")])
        let y = try occurrences(rule, store, from: at("2026-11-03T00:00:00Z"), to: at("2026-11-04T00:00:00Z"))
        #expect(dues(y) == ["unresolved_ticket:TP:1": at("2026-11-03T10:00:00Z")])
    }

    @Test(arguments: StoreKind.all, ["solved", "closed"])
    func testSolvedAndClosedTicketsNeverGetFollowUps(_ kind: StoreKind, _ status: String) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  tickets: [ticket("T1", status: status, solvedAt: "2026-11-01T10:00:00Z")])
        let y = try occurrences(rule, store, from: at("2026-11-01T00:00:00Z"), to: at("2026-12-31T00:00:00Z"))
        #expect(y.occurrences.isEmpty)
        #expect(y.skipped.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testRecentlyUpdatedTicketIsNotYetDue(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // Updated a day before the tick: the 2-day wait has not run out.
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1", updatedAt: "2026-11-20T10:00:00Z")])
        let now = at("2026-11-21T10:00:00Z")
        #expect(try occurrences(rule, store, from: now.addingTimeInterval(-7 * 86_400), to: now).occurrences.isEmpty)
        // The update resets the clock: due two days after it, not after the opening.
        let later = try occurrences(rule, store, from: now, to: at("2026-11-23T10:00:00Z"))
        #expect(dues(later) == ["unresolved_ticket:T1:1": at("2026-11-22T10:00:00Z")])
    }

    @Test(arguments: StoreKind.all)
    func testFollowUpsAlignToSendAtInTheCustomersZone(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let aligned = makeRule("unresolved_ticket", UnresolvedTicketRule(after: .days(2), repeatEvery: .days(3), maxRepeats: 1), sendAt: "10:00")
        let store = try makeStore(kind, in: folder, customers: [customer("C1", timezone: "America/Sao_Paulo")],
                                  tickets: [ticket("T1", updatedAt: "2026-11-01T15:00:00-03:00")])
        let y = try occurrences(aligned, store, from: at("2026-11-01T00:00:00Z"), to: at("2026-11-30T00:00:00Z"))
        #expect(dues(y) == ["unresolved_ticket:T1:1": at("2026-11-04T10:00:00-03:00"),
                            "unresolved_ticket:T1:2": at("2026-11-07T10:00:00-03:00")])
    }

    @Test(arguments: StoreKind.all)
    func testTicketOfAnUnknownCustomerIsSkipped(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("TG", customer: "GHOST"), ticket("T1")])
        let y = try occurrences(rule, store, from: at("2026-11-03T00:00:00Z"), to: at("2026-11-04T00:00:00Z"))
        #expect(dues(y) == ["unresolved_ticket:T1:1": at("2026-11-03T10:00:00Z")])
        #expect(y.skipped.map(\.customerID) == ["GHOST"])
        #expect(y.skipped.first?.reason.contains("TG") == true)
    }
}
