import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// What rules tell `explain` about candidates that do not qualify: amounts as a person reads them.
@Suite struct RuleNotesTests {
    let folder = TemporaryFolder()

    func customer(_ id: String, tier: String? = nil) -> Customer {
        Customer(id: id, name: "Customer \(id)", email: "\(id.lowercased())@example.com", timezone: "Europe/Budapest", tier: tier)
    }

    @Test(arguments: StoreKind.all)
    func testBelowMinAmountNoteShowsReadableAmounts(_ kind: StoreKind) throws {
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], purchases: [
            Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 12_000.5),
            Purchase(id: "P2", customerID: "C1", purchasedAt: "2026-11-01T11:00:00+01:00", amount: 9_000),
            Purchase(id: "P3", customerID: "C1", purchasedAt: "2026-11-01T12:00:00+01:00", amount: nil),
        ])
        let rule = makeRule("check_in", PostPurchaseRule(after: .days(14), minAmount: 15_000, skipIfOpenTicket: false))
        let y = try occurrences(rule, store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"), customerID: "C1")
        #expect(y.notes.sorted() == [
            "purchase P1: amount 12,000.50 is below min_amount 15,000",
            "purchase P2: amount 9,000 is below min_amount 15,000",
            "purchase P3: has no amount, so it is below min_amount 15,000",
        ])
    }

    @Test(arguments: StoreKind.all)
    func testBelowMinSpendNoteShowsReadableAmounts(_ kind: StoreKind) throws {
        let store = try makeStore(kind, in: folder, customers: [customer("C1", tier: "silver")], purchases: [
            Purchase(id: "P1", customerID: "C1", purchasedAt: "2025-06-01T10:00:00Z", amount: 37_000),
            Purchase(id: "P2", customerID: "C1", purchasedAt: "2026-01-01T10:00:00Z", amount: 485),
        ])
        let rule = makeRule("we_miss_you", InactiveRule(tier: "gold", minSpend: 100_000, after: .days(90)))
        let y = try occurrences(rule, store, from: at("2026-04-01T00:00:00Z"), to: at("2026-04-02T00:00:00Z"), customerID: "C1")
        #expect(y.notes == ["customer is not of tier gold and has spent 37,485, below min_spend 100,000"])
    }
}
