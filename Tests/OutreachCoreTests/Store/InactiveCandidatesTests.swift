import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The SQLite store's narrowing of an inactive rule's last purchases: it leaves out customers
/// who cannot qualify, and keeps every row the rule must judge itself.
@Suite struct InactiveCandidatesTests {
    let folder = TemporaryFolder()
    /// Gold customers, or anyone who has spent at least 1000, 90 days after their last purchase.
    let rule = makeRule("inactive", InactiveRule(tier: "gold", minSpend: 1000, after: .days(90)))
    /// 90 days after 2026-01-01T10:00Z.
    let due = at("2026-04-01T10:00:00Z")
    let range = at("2025-12-31T00:00:00Z")...at("2026-01-02T00:00:00Z")

    func customer(_ id: String, tier: String?) -> Customer {
        Customer(id: id, name: "Customer \(id)", email: "\(id.lowercased())@example.com", timezone: "Europe/Budapest", tier: tier)
    }

    func lastPurchase(_ id: String, _ customer: String, _ amount: Double) -> Purchase {
        Purchase(id: id, customerID: customer, purchasedAt: "2026-01-01T10:00:00Z", amount: amount, currency: "EUR")
    }

    func dueKeys(_ store: SQLiteCustomerStore, _ rule: RuleConfiguration) throws -> Set<String> {
        Set(try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600)).occurrences.map(\.key))
    }

    @Test func testNarrowedToTheTierAndToSpendAtLeastMinSpend() throws {
        let store = try makeStore(in: folder, customers: [customer("G", tier: "gold"), customer("S", tier: "silver"),
                                                          customer("L", tier: "silver"), customer("N", tier: nil)], purchases: [
            lastPurchase("G1", "G", 5),
            Purchase(id: "S0", customerID: "S", purchasedAt: "2025-06-01T10:00:00Z", amount: 700), lastPurchase("S1", "S", 300),
            lastPurchase("L1", "L", 10),
            Purchase(id: "N0", customerID: "N", purchasedAt: "2025-06-01T10:00:00Z", amount: 600), lastPurchase("N1", "N", 399.99),
        ])
        let all = try store.latestPurchases(madeIn: range, customerID: nil, candidates: nil).rows
        #expect(Set(all.map(\.id)) == ["G1", "S1", "L1", "N1"])
        let narrowed = try store.latestPurchases(madeIn: range, customerID: nil, candidates: InactiveCandidates(tier: "gold", minSpend: 1000)).rows
        #expect(Set(narrowed.map(\.id)) == ["G1", "S1"])
        let spendOnly = try store.latestPurchases(madeIn: range, customerID: nil, candidates: InactiveCandidates(tier: nil, minSpend: 1000)).rows
        #expect(Set(spendOnly.map(\.id)) == ["S1"])
        let tierOnly = try store.latestPurchases(madeIn: range, customerID: nil, candidates: InactiveCandidates(tier: "gold", minSpend: nil)).rows
        #expect(Set(tierOnly.map(\.id)) == ["G1"])
        #expect(try dueKeys(store, rule) == ["inactive:G:G1", "inactive:S:S1"])
    }

    @Test func testAnAmountThatIsNoNumberKeepsTheRowSoTheRuleReportsIt() throws {
        let store = try makeStore(in: folder, customers: [customer("X", tier: "silver")], purchases: [lastPurchase("X1", "X", 5)])
        try store.write { db in
            try db.execute(sql: "INSERT INTO purchases(id, customer_id, purchased_at, amount) VALUES ('X0', 'X', '2025-06-01T10:00:00Z', 'lots')")
        }
        let narrowed = try store.latestPurchases(madeIn: range, customerID: nil, candidates: InactiveCandidates(tier: "gold", minSpend: 1000)).rows
        #expect(narrowed.map(\.id) == ["X1"])
        let yield = try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600))
        #expect(yield.occurrences.isEmpty)
        #expect(yield.skipped.map(\.customerID) == ["X"], "\(yield.skipped)")
    }

    @Test func testATierStoredAsABlobStillQualifies() throws {
        // The rule reads a blob that is UTF-8 as text, so "gold" as a blob is the gold tier.
        let store = try makeStore(in: folder, customers: [customer("B", tier: nil)], purchases: [lastPurchase("B1", "B", 5)])
        try store.write { db in try db.execute(sql: "UPDATE customers SET tier = CAST('gold' AS BLOB) WHERE id = 'B'") }
        #expect(try dueKeys(store, rule) == ["inactive:B:B1"])
    }

    @Test func testATierThatIsTheSameTextInOtherBytesStillQualifies() throws {
        // KELVIN SIGN is canonically the letter K: the rule sees the tier "Kiemelt" in both.
        let kiemelt = makeRule("inactive", InactiveRule(tier: "Kiemelt", minSpend: 1000, after: .days(90)))
        let store = try makeStore(in: folder, customers: [customer("K", tier: "\u{212A}iemelt"), customer("L", tier: "Kiemelt")],
                                  purchases: [lastPurchase("K1", "K", 5), lastPurchase("L1", "L", 5)])
        #expect(try dueKeys(store, kiemelt) == ["inactive:K:K1", "inactive:L:L1"])
    }

    @Test(arguments: [("gold", true), ("Kiemelt", false), ("arany;", false), ("ügyfél", false), ("VIP`", false)])
    func testOnlyAnASCIITierWithoutCharactersOthersEqualIsComparedAsBytes(_ tier: String, _ asBytes: Bool) {
        #expect(InactiveCandidates(tier: tier, minSpend: nil).tierComparesAsBytes == asBytes)
    }

    @Test func testExplainStillSeesCustomersWhoCannotQualify() throws {
        let store = try makeStore(in: folder, customers: [customer("L", tier: "silver")], purchases: [lastPurchase("L1", "L", 10)])
        let explained = try occurrences(rule, store, from: due.addingTimeInterval(-3600), to: due.addingTimeInterval(3600), customerID: "L")
        #expect(explained.occurrences.isEmpty)
        #expect(explained.notes.count == 1, "\(explained.notes)")
    }
}
