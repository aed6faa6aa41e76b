import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The satisfaction_survey rule against a real SQLite store, with explicit windows of due times.
@Suite struct SatisfactionSurveyRuleTests {
    let rule = makeRule("satisfaction_survey", SatisfactionSurveyRule(after: .days(3)))

    func customer(_ id: String, timezone: String? = "Europe/Stockholm") -> Customer {
        Customer(id: id, name: "Customer \(id)", email: "\(id.lowercased())@example.com", locale: "sv-SE", timezone: timezone)
    }

    func ticket(_ id: String, status: String, solvedAt: String? = "2026-11-01T12:00:00Z", customer: String = "C1") -> Ticket {
        Ticket(id: id, customerID: customer, subject: "Order", status: status, openedAt: "2026-10-28T09:00:00Z",
               updatedAt: solvedAt ?? "2026-11-01T12:00:00Z", solvedAt: solvedAt)
    }

    func dues(_ yield: RuleYield) -> [String: Date] {
        Dictionary(yield.occurrences.map { ($0.key, $0.due) }, uniquingKeysWith: { a, _ in a })
    }

    @Test(arguments: StoreKind.all)
    func testSurveyIsDueExactlyAfterTheWaitSinceSolved(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1", status: "solved")])
        let due = at("2026-11-04T12:00:00Z")
        #expect(try occurrences(rule, store, from: due.addingTimeInterval(-86_400), to: due.addingTimeInterval(-1)).occurrences.isEmpty)
        let y = try occurrences(rule, store, from: due.addingTimeInterval(-86_400), to: due)
        #expect(dues(y) == ["satisfaction_survey:T1": due])
        let o = try #require(y.occurrences.first)
        guard case .ticket(let t, _) = o.subject else { Issue.record("subject \(o.subject)"); return }
        #expect(t.id == "T1")
        #expect(o.deadline == due.addingTimeInterval(7 * 86_400))
    }

    @Test(arguments: StoreKind.all)
    func testClosedCountsAsStillSolved(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1", status: "closed")])
        let y = try occurrences(rule, store, from: at("2026-11-04T00:00:00Z"), to: at("2026-11-05T00:00:00Z"))
        #expect(dues(y) == ["satisfaction_survey:T1": at("2026-11-04T12:00:00Z")])
    }

    @Test(arguments: StoreKind.all, ["open", "pending"])
    func testReopenedTicketGetsNoSurvey(_ kind: StoreKind, _ status: String) throws {
        let folder = TemporaryFolder()
        // Solved once (solved_at is still set) but reopened since.
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1", status: status)])
        let y = try occurrences(rule, store, from: at("2026-11-01T00:00:00Z"), to: at("2026-11-30T00:00:00Z"))
        #expect(y.occurrences.isEmpty)
        #expect(y.skipped.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testSolvedWithAnOffsetIsReadAsAnInstantAndAlignedToSendAtLocally(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let aligned = makeRule("satisfaction_survey", SatisfactionSurveyRule(after: .days(3)), sendAt: "10:00")
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1", status: "solved", solvedAt: "2026-11-01T23:30:00+14:00")])
        // Solved 2026-11-01T09:30Z; +3d = 2026-11-04T09:30Z = 10:30 in Stockholm, so 10:00 the day after.
        let y = try occurrences(aligned, store, from: at("2026-11-01T00:00:00Z"), to: at("2026-11-30T00:00:00Z"))
        #expect(dues(y) == ["satisfaction_survey:T1": at("2026-11-05T10:00:00+01:00")])
    }

    @Test(arguments: StoreKind.all)
    func testSolvedTicketWithoutSolvedAtNeverTriggers(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("T1", status: "solved", solvedAt: nil),
                                                                                      ticket("T2", status: "solved")])
        let y = try occurrences(rule, store, from: at("2026-11-01T00:00:00Z"), to: at("2026-11-30T00:00:00Z"))
        #expect(Set(dues(y).keys) == ["satisfaction_survey:T2"])
        // The store reports the row it cannot date, so explain can show it.
        let unreadable = try store.unreadableRows(customerID: "C1", limit: 10)
        #expect(unreadable.map(\.id) == ["T1"])
    }

    @Test(arguments: StoreKind.all)
    func testSurveyOfAnUnknownCustomerIsSkipped(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], tickets: [ticket("TG", status: "solved", customer: "GHOST")])
        let y = try occurrences(rule, store, from: at("2026-11-04T00:00:00Z"), to: at("2026-11-05T00:00:00Z"))
        #expect(y.occurrences.isEmpty)
        #expect(y.skipped.map(\.customerID) == ["GHOST"])
    }
}
