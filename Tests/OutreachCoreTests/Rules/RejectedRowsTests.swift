import Foundation
import Logging
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Every rule turns a store row it cannot use into a skipped row with a typed reason (for
/// `explain` and the log), and never into a message with a guess in it.
@Suite struct RejectedRowsTests {
    let folder = TemporaryFolder()
    let foreign: ForeignStore

    init() throws {
        foreign = try ForeignStore(in: folder, file: "customers.db")
    }

    let birthday = makeRule("birthday", BirthdayRule(feb29: .feb28), sendAt: "09:00")
    let postPurchase = makeRule("check_in", PostPurchaseRule(after: .days(14), minAmount: nil, skipIfOpenTicket: false))
    let unresolved = makeRule("follow_up", UnresolvedTicketRule(after: .days(2), repeatEvery: nil, maxRepeats: 0))
    let survey = makeRule("survey", SatisfactionSurveyRule(after: .days(3)))
    let inactive = makeRule("we_miss_you", InactiveRule(tier: "gold", minSpend: 1000, after: .days(90)))

    /// The birthday rule on 23 November 2026.
    func birthdays(customerID: String? = nil) throws -> RuleYield {
        try occurrences(birthday, foreign.store, from: at("2026-11-23T00:00:00Z"), to: at("2026-11-23T23:59:59Z"), customerID: customerID)
    }

    /// The check-in of a purchase made on 1 November 2026, 10:00 in Budapest.
    func checkIns(_ rule: RuleConfiguration? = nil, customerID: String? = nil) throws -> RuleYield {
        try occurrences(rule ?? postPurchase, foreign.store, from: at("2026-11-15T00:00:00Z"), to: at("2026-11-16T00:00:00Z"), customerID: customerID)
    }

    func problems(_ yield: RuleYield) -> [String: UnreadableRow.Problem] {
        Dictionary(yield.skipped.compactMap { s in s.row.map { ("\(s.customerID)/\($0.column)", $0.problem) } }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: birthday

    @Test func testOptedOutAsYesIsOptedOutAndUnknownConsentIsSkipped() throws {
        try foreign.customer("YES", ["opted_out": .text("yes")])
        try foreign.customer("TRUE", ["opted_out": .text("TRUE")])
        try foreign.customer("MAYBE", ["opted_out": .text("maybe")])
        try foreign.customer("NULL", ["opted_out": .null])
        try foreign.customer("OK", ["opted_out": .text("no")])
        let y = try birthdays()
        #expect(Dictionary(uniqueKeysWithValues: y.occurrences.map { ($0.customer.id, $0.customer.optedOut) }) == ["YES": true, "TRUE": true, "OK": false])
        #expect(problems(y) == ["MAYBE/opted_out": .unrecognisedConsent(.text("maybe")), "NULL/opted_out": .unrecognisedConsent(.null)])
        #expect(y.skipped.allSatisfy { $0.rule == "birthday" && $0.reason.contains("consent") }, "\(y.skipped)")
    }

    @Test(arguments: ["name", "email", "locale", "timezone", "tier"])
    func testCustomerTextThatIsNotUTF8IsSkippedNotSentGarbled(_ column: String) throws {
        try foreign.customer("BAD", [column: .latin1Name])
        try foreign.customer("OK")
        let y = try birthdays()
        #expect(y.occurrences.map(\.customer.id) == ["OK"])
        #expect(problems(y) == ["BAD/\(column)": .notUTF8])
        // explain (one customer, any birthday) says the same.
        #expect(problems(try birthdays(customerID: "BAD")) == ["BAD/\(column)": .notUTF8])
        // The reason names the column, never the bytes or an address.
        let reason = try #require(y.skipped.first?.reason)
        #expect(!reason.contains("\u{FFFD}") && !reason.contains("@"), "\(reason)")
    }

    @Test func testCustomerWithoutAnIdIsAStoreRowOfThePlan() throws {
        try foreign.customer("X", ["id": .null])
        let y = try birthdays()
        #expect(y.occurrences.isEmpty)
        #expect(y.skipped.isEmpty)
        #expect(y.unreadable.map(\.column) == ["id"])
    }

    // MARK: post_purchase

    @Test func testAmountThatIsNotANumberIsSkippedNotReadAsNoAmount() throws {
        // Without min_amount, an amount read as absent would still be checked in on.
        try foreign.customer("C1")
        try foreign.purchase("ABC", customer: "C1", ["amount": .text("abc")])
        try foreign.purchase("TEXT", customer: "C1", ["amount": .text("120.50")])
        let y = try checkIns()
        #expect(y.occurrences.map(\.key) == ["post_purchase:TEXT"])
        guard case .purchase(let p)? = y.occurrences.first?.subject else { Issue.record("\(y.occurrences)"); return }
        #expect(p.amount == 120.5)
        #expect(problems(y) == ["C1/amount": .notANumber(.text("abc"))])
        #expect(y.skipped.first?.reason.contains("purchases row ABC") == true, "\(y.skipped)")
    }

    @Test(arguments: ["item", "currency"])
    func testPurchaseTextThatIsNotUTF8IsSkipped(_ column: String) throws {
        try foreign.customer("C1")
        try foreign.purchase("P1", customer: "C1", [column: .latin1Name])
        let y = try checkIns()
        #expect(y.occurrences.isEmpty)
        #expect(problems(y) == ["C1/\(column)": .notUTF8])
    }

    @Test func testPurchaseOfACustomerWhoseRowIsUnreadableIsSkippedNamingBoth() throws {
        try foreign.customer("C1", ["opted_out": .text("perhaps")])
        try foreign.customer("C2", ["name": .blob([0xC3, 0x28])])
        try foreign.purchase("P1", customer: "C1")
        try foreign.purchase("P2", customer: "C2")
        let y = try checkIns()
        #expect(y.occurrences.isEmpty)
        #expect(problems(y) == ["C1/opted_out": .unrecognisedConsent(.text("perhaps")), "C2/name": .notUTF8])
        #expect(y.skipped.contains { $0.reason.hasPrefix("purchase P1: customers row C1: opted_out \"perhaps\"") }, "\(y.skipped)")
    }

    @Test func testPurchaseWithoutIdOrCustomerIsSkipped() throws {
        try foreign.customer("C1")
        try foreign.purchase("P1", customer: "C1", ["id": .null])
        try foreign.purchase("P2", customer: "C1", ["customer_id": .text("")])
        let y = try checkIns()
        #expect(y.occurrences.isEmpty)
        #expect(problems(y) == ["C1/id": .missingID(.null)])
        #expect(y.unreadable.map(\.id) == ["P2"])
    }

    @Test(arguments: [Cell.text("Open"), .text("OPEN"), .text("waiting"), .null])
    func testTicketInAnUnknownStatusHoldsTheCheckInLikeAnOpenOne(_ status: Cell) throws {
        try foreign.customer("C1")
        try foreign.purchase("P1", customer: "C1")
        try foreign.ticket("T1", customer: "C1", ["status": status])
        let rule = makeRule("check_in", PostPurchaseRule(after: .days(14), minAmount: nil, skipIfOpenTicket: true))
        let y = try checkIns(rule)
        #expect(y.occurrences.count == 1)
        let hold = try #require(y.occurrences.first?.hold)
        #expect(hold.contains("T1") && hold.contains("skip_if_open_ticket"), "\(hold)")
    }

    // MARK: tickets

    @Test func testTicketSubjectThatIsNotUTF8IsSkippedByBothTicketRules() throws {
        try foreign.customer("C1")
        try foreign.ticket("T1", customer: "C1", ["subject": .latin1Name])
        try foreign.ticket("T2", customer: "C1", ["subject": .blob([0x41, 0xFF]), "status": .text("solved"), "solved_at": .text("2026-11-01T10:00:00Z")])
        let open = try occurrences(unresolved, foreign.store, from: at("2026-11-03T00:00:00Z"), to: at("2026-11-04T00:00:00Z"))
        #expect(open.occurrences.isEmpty)
        #expect(problems(open) == ["C1/subject": .notUTF8])
        let solved = try occurrences(survey, foreign.store, from: at("2026-11-04T00:00:00Z"), to: at("2026-11-05T00:00:00Z"))
        #expect(solved.occurrences.isEmpty)
        #expect(problems(solved) == ["C1/subject": .notUTF8])
    }

    @Test func testTicketOpenedAtThatIsNoTimestampIsSkippedNotRenderedBlank() throws {
        try foreign.customer("C1")
        try foreign.ticket("T1", customer: "C1", ["opened_at": .text("last Tuesday")])
        let y = try occurrences(unresolved, foreign.store, from: at("2026-11-03T00:00:00Z"), to: at("2026-11-04T00:00:00Z"))
        #expect(y.occurrences.isEmpty)
        #expect(problems(y) == ["C1/opened_at": .notATimestamp(.text("last Tuesday"))])
    }

    // MARK: inactive

    @Test func testUnknownLifetimeSpendIsSkippedButTierStillQualifies() throws {
        try foreign.customer("SPEND")
        try foreign.customer("GOLD", ["tier": .text("gold")])
        for id in ["SPEND", "GOLD"] {
            try foreign.purchase("\(id)-1", customer: id, ["amount": .real(5000), "purchased_at": .text("2025-06-01T10:00:00Z")])
            try foreign.purchase("\(id)-2", customer: id, ["amount": .text("lots"), "purchased_at": .text("2025-07-01T10:00:00Z")])
            try foreign.purchase("\(id)-3", customer: id, ["amount": .real(10), "purchased_at": .text("2026-01-01T10:00:00Z")])
        }
        let y = try occurrences(inactive, foreign.store, from: at("2026-04-01T00:00:00Z"), to: at("2026-04-02T00:00:00Z"))
        #expect(y.occurrences.map(\.key) == ["inactive:GOLD:GOLD-3"])
        #expect(problems(y) == ["SPEND/amount": .notANumber(.text("lots"))])
        #expect(y.skipped.first?.reason.hasPrefix("lifetime spend unknown: purchases row SPEND-2") == true, "\(y.skipped)")
    }

    // MARK: The plan, the tick's log and explain

    @Test func testPlanBlocksYesSkipsMaybeAndReportsUnknownStatusesAndTheTickLogsThem() throws {
        try foreign.customer("YES", ["opted_out": .text("yes")])
        try foreign.customer("MAYBE", ["opted_out": .text("maybe")])
        try foreign.customer("GARBLED", ["name": .latin1Name])
        try foreign.customer("OK")
        try foreign.ticket("T1", customer: "OK", ["status": .text("Open")])
        try foreign.purchase("P1", customer: "OK", ["purchased_at": .text("soon")])
        let config = try makeDeployment(in: folder, rules: DeliveryDeployment.rules)
        let now = at("2026-11-23T09:00:00+01:00")
        let outreach = try Outreach.open(configFile: config)
        let plan = try outreach.plan(at: now)
        #expect(plan.due.map(\.occurrence.customer.id) == ["OK"])
        #expect(plan.entries.first { $0.occurrence.customer.id == "YES" }?.outcome == .blocked(.optedOut))
        #expect(Set(plan.skipped.map(\.customerID)) == ["MAYBE", "GARBLED"])
        #expect(Set(plan.unreadable.map(\.column)) == ["status", "purchased_at"])

        // explain's view of one customer: the skipped row and its store rows.
        let one = try outreach.plan(at: now, lookback: .days(60), horizon: .days(400), customerID: "OK")
        #expect(one.unreadable.compactMap(\.id).sorted() == ["P1", "T1"])
        let maybe = try outreach.plan(at: now, lookback: .days(60), horizon: .days(400), customerID: "MAYBE")
        #expect(maybe.skipped.map { $0.row?.column } == ["opted_out"])

        // The tick reports every one of them for the log (the daemon logs `skipped`).
        let delivery = try Outreach.openForDelivery(configFile: config, environment: [:])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let report = try delivery.outreach.queueDue(at: now, into: delivery.ledger, logger: logger)
        #expect(report.queued == 1)
        for text in ["opted_out \"maybe\"", "customers row GARBLED: name is not valid UTF-8", "status \"Open\"", "purchased_at \"soon\""] {
            #expect(report.skipped.contains { $0.contains(text) }, "\(text) not in \(report.skipped)")
        }
    }
}
