import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The inactive rule against a real SQLite store, with explicit windows of due times.
@Suite struct InactiveRuleTests {
    /// Gold customers, or anyone who has spent at least 1000, 90 days after their last purchase.
    let rule = makeRule("inactive", InactiveRule(tier: "gold", minSpend: 1000, after: .days(90)))

    func customer(_ id: String, tier: String? = nil) -> Customer {
        Customer(id: id, name: "Customer \(id)", email: "\(id.lowercased())@example.com", timezone: "Europe/Budapest", tier: tier)
    }

    func purchase(_ id: String, _ customer: String, _ at: String, _ amount: Double) -> Purchase {
        Purchase(id: id, customerID: customer, purchasedAt: at, amount: amount, currency: "EUR")
    }

    func dues(_ yield: RuleYield) -> [String: Date] {
        Dictionary(yield.occurrences.map { ($0.key, $0.due) }, uniquingKeysWith: { a, _ in a })
    }

    /// 90 days after 2026-01-01T10:00Z.
    let due = at("2026-04-01T10:00:00Z")

    @Test(arguments: StoreKind.all)
    func testTierMatchIsDueAfterTheLastPurchaseWithItsKey(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("G", tier: "gold")],
                                  purchases: [purchase("P1", "G", "2026-01-01T10:00:00Z", 10)])
        #expect(try occurrences(rule, store, from: due.addingTimeInterval(-86_400), to: due.addingTimeInterval(-1)).occurrences.isEmpty)
        let y = try occurrences(rule, store, from: due.addingTimeInterval(-86_400), to: due)
        #expect(dues(y) == ["inactive:G:P1": due])
        #expect(y.occurrences.first?.purchase?.isSame(as: purchase("P1", "G", "2026-01-01T10:00:00Z", 10)) == true, "\(y.occurrences)")
    }

    @Test(arguments: StoreKind.all)
    func testLifetimeSpendAtLeastMinSpendQualifies(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("S", tier: "silver"), customer("E", tier: nil)], purchases: [
            purchase("S1", "S", "2025-06-01T10:00:00Z", 700),
            purchase("S2", "S", "2026-01-01T10:00:00Z", 300),  // lifetime 1000: exactly min_spend
            purchase("E1", "E", "2025-06-01T10:00:00Z", 600),
            purchase("E2", "E", "2026-01-01T10:00:00Z", 399.99),  // lifetime 999.99
        ])
        let y = try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600))
        #expect(dues(y) == ["inactive:S:S2": due])
    }

    @Test(arguments: StoreKind.all)
    func testCustomerWithNeitherTierNorSpendGetsNoneAndExplainSaysWhy(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("N", tier: nil), customer("B", tier: "bronze")],
                                  purchases: [purchase("N1", "N", "2026-01-01T10:00:00Z", 50), purchase("B1", "B", "2026-01-01T10:00:00Z", 50)])
        let y = try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600))
        #expect(y.occurrences.isEmpty)
        #expect(y.notes.isEmpty)
        let explained = try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600), customerID: "B")
        #expect(explained.occurrences.isEmpty)
        #expect(explained.notes.count == 1)
        #expect(explained.notes.first?.contains("min_spend") == true, "\(explained.notes)")
    }

    @Test(arguments: StoreKind.all)
    func testANewerPurchaseCancelsAndMovesTheKey(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("G", tier: "gold")],
                                  purchases: [purchase("P1", "G", "2026-01-01T10:00:00Z", 10), purchase("P2", "G", "2026-02-15T10:00:00Z", 10)])
        // Where P1's reminder would be: nothing, since P2 is the last purchase.
        #expect(try occurrences(rule, store, from: due.addingTimeInterval(-86_400), to: due.addingTimeInterval(86_400)).occurrences.isEmpty)
        // 90 days after P2, under P2's key.
        let y = try occurrences(rule, store, from: at("2026-05-16T00:00:00Z"), to: at("2026-05-16T23:59:59Z"))
        #expect(dues(y) == ["inactive:G:P2": at("2026-05-16T10:00:00Z")])
    }

    @Test(arguments: StoreKind.all)
    func testNewerPurchaseIsJudgedAsAnInstantNotByItsText(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // "…T20:00…-11:00" (07:00Z next day) is later than "…T23:00…+14:00" (09:00Z the same day), despite the text.
        let store = try makeStore(kind, in: folder, customers: [customer("G", tier: "gold")],
                                  purchases: [purchase("EARLY", "G", "2026-01-01T23:00:00+14:00", 10),
                                              purchase("LATER", "G", "2026-01-01T20:00:00-11:00", 10)])
        let y = try occurrences(rule, store, from: at("2026-03-30T00:00:00Z"), to: at("2026-04-03T00:00:00Z"))
        #expect(dues(y) == ["inactive:G:LATER": at("2026-04-02T07:00:00Z")])
    }

    @Test(arguments: StoreKind.all)
    func testTwoLastPurchasesAtTheSameInstantGiveOneOccurrence(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // The same instant written two ways: both are "latest", but the customer is owed one check-in.
        let store = try makeStore(kind, in: folder, customers: [customer("G", tier: "gold")],
                                  purchases: [purchase("PA", "G", "2026-01-01T10:00:00Z", 10), purchase("PB", "G", "2026-01-01T11:00:00+01:00", 10)])
        let y = try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600))
        #expect(y.occurrences.count == 1)
        #expect(y.occurrences.first?.due == due)
        // Deterministic: the same key on every tick.
        let again = try occurrences(rule, store, from: due.addingTimeInterval(-7200), to: due)
        #expect(again.occurrences.map(\.key) == y.occurrences.map(\.key))
    }

    @Test(arguments: StoreKind.all)
    func testTierOnlyRuleIgnoresSpendAndSpendOnlyRuleIgnoresTier(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("G", tier: "gold"), customer("R", tier: nil)],
                                  purchases: [purchase("G1", "G", "2026-01-01T10:00:00Z", 5), purchase("R1", "R", "2026-01-01T10:00:00Z", 5000)])
        let tierOnly = makeRule("inactive", InactiveRule(tier: "gold", minSpend: nil, after: .days(90)))
        let spendOnly = makeRule("inactive", InactiveRule(tier: nil, minSpend: 1000, after: .days(90)))
        let window = (due.addingTimeInterval(-3600), due.addingTimeInterval(3600))
        #expect(Set(dues(try occurrences(tierOnly, store, from: window.0, to: window.1)).keys) == ["inactive:G:G1"])
        #expect(Set(dues(try occurrences(spendOnly, store, from: window.0, to: window.1)).keys) == ["inactive:R:R1"])
    }

    @Test(arguments: StoreKind.all)
    func testInactiveAlignsToSendAtInTheCustomersZone(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let aligned = makeRule("inactive", InactiveRule(tier: "gold", minSpend: nil, after: .days(90)), sendAt: "09:00")
        let store = try makeStore(kind, in: folder, customers: [customer("G", tier: "gold")],
                                  purchases: [purchase("P1", "G", "2026-01-01T10:00:00Z", 10)])
        // 2026-04-01T10:00Z is 12:00 CEST, past 09:00: due 2 April 09:00 CEST.
        let y = try occurrences(aligned, store, from: at("2026-03-30T00:00:00Z"), to: at("2026-04-05T00:00:00Z"))
        #expect(dues(y) == ["inactive:G:P1": at("2026-04-02T09:00:00+02:00")])
    }

    @Test(arguments: StoreKind.all)
    func testPurchaseOfAnUnknownCustomerIsSkipped(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("G", tier: "gold")],
                                  purchases: [purchase("PG", "GHOST", "2026-01-01T10:00:00Z", 5000), purchase("P1", "G", "2026-01-01T10:00:00Z", 10)])
        let y = try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600))
        #expect(Set(dues(y).keys) == ["inactive:G:P1"])
        #expect(y.skipped.map(\.customerID) == ["GHOST"])
    }
}
