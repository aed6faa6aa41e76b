import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The post_purchase rule against a real SQLite store, with explicit windows of due times.
@Suite struct PostPurchaseRuleTests {
    static let fourteenDays = TimeSpan.days(14)

    func rule(sendAt: String? = nil, minAmount: Double? = nil, skipIfOpenTicket: Bool = false) -> RuleConfiguration {
        makeRule("post_purchase", PostPurchaseRule(after: Self.fourteenDays, minAmount: minAmount, skipIfOpenTicket: skipIfOpenTicket), sendAt: sendAt)
    }

    func customer(_ id: String, timezone: String? = "Europe/Budapest") -> Customer {
        Customer(id: id, name: "Customer \(id)", email: "\(id.lowercased())@example.com", timezone: timezone)
    }

    func dues(_ yield: RuleYield) -> [String: Date] {
        Dictionary(yield.occurrences.map { ($0.key, $0.due) }, uniquingKeysWith: { a, _ in a })
    }

    // MARK: The `after` boundary

    @Test(arguments: StoreKind.all)
    func testDueExactlyAfterThePurchaseNotASecondEarlier(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  purchases: [Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 120)])
        let due = at("2026-11-15T10:00:00+01:00")
        // A window ending one second before purchase + 14d: nothing.
        #expect(try occurrences(rule(), store, from: due.addingTimeInterval(-86_400), to: due.addingTimeInterval(-1)).occurrences.isEmpty)
        // A window ending exactly at purchase + 14d: due.
        #expect(dues(try occurrences(rule(), store, from: due.addingTimeInterval(-86_400), to: due)) == ["post_purchase:P1": due])
        // A window starting exactly there: due.
        #expect(dues(try occurrences(rule(), store, from: due, to: due.addingTimeInterval(3600))) == ["post_purchase:P1": due])
        // A window starting a second later: gone.
        #expect(try occurrences(rule(), store, from: due.addingTimeInterval(1), to: due.addingTimeInterval(86_400)).occurrences.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testWindowEndingAtTheDueSecondOfAnOddSecondPurchase(_ kind: StoreKind) throws {
        // 2026-01-01T09:16:08Z is a second whose julianday() SQLite computes (from integer milliseconds)
        // a hair above t/86400 + 2440587.5: a bound computed the latter way excludes it.
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  purchases: [Purchase(id: "ODD", customerID: "C1", purchasedAt: "2026-01-01T09:16:08Z", amount: 10),
                                              Purchase(id: "ODD2", customerID: "C1", purchasedAt: "2026-01-02T05:09:25+01:00", amount: 10)])
        let due = at("2026-01-15T09:16:08Z")
        #expect(dues(try occurrences(rule(), store, from: due.addingTimeInterval(-3600), to: due)) == ["post_purchase:ODD": due])
        let due2 = at("2026-01-16T05:09:25+01:00")
        #expect(dues(try occurrences(rule(), store, from: due2.addingTimeInterval(-3600), to: due2)) == ["post_purchase:ODD2": due2])
    }

    // SQLite's julianday() precision, and the text store's own instant filter; a timestamptz is ranged exactly by the server.
    @Test(arguments: [StoreKind.sqlite, .postgresText])
    func testWindowEndingAtTheDueSecondFindsEveryPurchase(_ kind: StoreKind) throws {
        // Purchases at odd seconds over 16 months; a window [due, due] must find each one exactly.
        let folder = TemporaryFolder()
        let start = at("2026-01-01T00:00:00Z")
        var purchases: [Purchase] = []
        for i in 0..<1_000 {
            let t = start.addingTimeInterval(Double(i * 43_297))
            purchases.append(Purchase(id: "P\(i)", customerID: "C1", purchasedAt: Timestamp.format(t, in: zone("UTC")), amount: 10))
        }
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], purchases: purchases)
        var missed: Set<String> = []
        for p in purchases {
            let due = at(p.purchasedAt).addingTimeInterval(Self.fourteenDays.timeInterval)
            let keys = try occurrences(rule(), store, from: due, to: due).occurrences.map(\.key)
            if keys != ["post_purchase:\(p.id)"] { missed.insert("\(p.id) at \(p.purchasedAt): \(keys)") }
        }
        #expect(missed.isEmpty, "\(missed.count) purchases not found in the window [due, due], e.g. \(missed.sorted().prefix(5))")
    }

    // MARK: send_at alignment

    @Test(arguments: StoreKind.all)
    func testSendAtIsTheFirstLocalSendTimeAtOrAfterPurchasePlusAfter(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], purchases: [
            Purchase(id: "LATE", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 1),   // 10:00 → next day 09:00
            Purchase(id: "EARLY", customerID: "C1", purchasedAt: "2026-11-01T08:00:00+01:00", amount: 1),  // 08:00 → same day 09:00
            Purchase(id: "EXACT", customerID: "C1", purchasedAt: "2026-11-01T09:00:00+01:00", amount: 1),  // 09:00 → 09:00 itself
        ])
        let y = try occurrences(rule(sendAt: "09:00"), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-18T00:00:00Z"))
        #expect(dues(y) == [
            "post_purchase:LATE": at("2026-11-16T09:00:00+01:00"),
            "post_purchase:EARLY": at("2026-11-15T09:00:00+01:00"),
            "post_purchase:EXACT": at("2026-11-15T09:00:00+01:00"),
        ])
    }

    @Test(arguments: StoreKind.all)
    func testSendAtIsReadInTheCustomersZone(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("T", timezone: "Asia/Tokyo"), customer("B", timezone: nil)],
                                  purchases: [Purchase(id: "PT", customerID: "T", purchasedAt: "2026-11-01T00:30:00Z", amount: 1),
                                              Purchase(id: "PB", customerID: "B", purchasedAt: "2026-11-01T00:30:00Z", amount: 1)])
        // 00:30Z is 09:30 in Tokyo (past 09:00: next day) but 01:30 in Budapest, the default zone (same day).
        let y = try occurrences(rule(sendAt: "09:00"), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"))
        #expect(dues(y) == ["post_purchase:PT": at("2026-11-16T09:00:00+09:00"), "post_purchase:PB": at("2026-11-15T09:00:00+01:00")])
        #expect(y.occurrences.first { $0.key == "post_purchase:PT" }?.zone.identifier == "Asia/Tokyo")
    }

    @Test(arguments: StoreKind.all)
    func testSendAtAcrossTheAutumnDSTChange(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // 14 × 86 400 s after 2026-10-20T08:30+02:00 is 2026-11-03T06:30Z = 07:30 CET: before 09:00, so 09:00 CET that day.
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  purchases: [Purchase(id: "P", customerID: "C1", purchasedAt: "2026-10-20T08:30:00+02:00", amount: 1)])
        let y = try occurrences(rule(sendAt: "09:00"), store, from: at("2026-11-01T00:00:00Z"), to: at("2026-11-05T00:00:00Z"))
        #expect(dues(y) == ["post_purchase:P": at("2026-11-03T09:00:00+01:00")])
    }

    // MARK: min_amount

    @Test(arguments: StoreKind.all)
    func testMinAmountIsInclusiveAndBelowItNothingIsDue(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], purchases: [
            Purchase(id: "BELOW", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 49.99),
            Purchase(id: "EQUAL", customerID: "C1", purchasedAt: "2026-11-01T11:00:00+01:00", amount: 50),
            Purchase(id: "NONE", customerID: "C1", purchasedAt: "2026-11-01T12:00:00+01:00", amount: nil),
        ])
        let y = try occurrences(rule(minAmount: 50), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"))
        #expect(Set(dues(y).keys) == ["post_purchase:EQUAL"])
        // A tick does not narrate: no notes without a customer.
        #expect(y.notes.isEmpty)
        #expect(y.skipped.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testBelowMinAmountLeavesANoteWhenNarrowedToTheCustomer(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  purchases: [Purchase(id: "BELOW", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 49.99)])
        let y = try occurrences(rule(minAmount: 50), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"), customerID: "C1")
        #expect(y.occurrences.isEmpty)
        #expect(y.notes.count == 1)
        #expect(y.notes.first?.contains("BELOW") == true, "\(y.notes)")
        #expect(y.notes.first?.contains("min_amount") == true, "\(y.notes)")
    }

    // MARK: skip_if_open_ticket

    @Test(arguments: StoreKind.all, [("open", true), ("pending", true), ("solved", false), ("closed", false)])
    func testOpenTicketHoldsTheOccurrence(_ kind: StoreKind, _ case: (status: String, held: Bool)) throws {
        let (status, held) = `case`
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1"), customer("C2")],
                                  purchases: [Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 100),
                                              Purchase(id: "P2", customerID: "C2", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 100)],
                                  tickets: [Ticket(id: "T1", customerID: "C1", status: status, openedAt: "2026-10-01T10:00:00Z",
                                                   updatedAt: "2026-10-02T10:00:00Z", solvedAt: status == "solved" || status == "closed" ? "2026-10-02T10:00:00Z" : nil)])
        let y = try occurrences(rule(skipIfOpenTicket: true), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"))
        let p1 = try #require(y.occurrences.first { $0.key == "post_purchase:P1" })
        #expect((p1.hold != nil) == held, "\(status): hold \(p1.hold ?? "nil")")
        // Another customer's ticket never holds C2's occurrence.
        let p2 = try #require(y.occurrences.first { $0.key == "post_purchase:P2" })
        #expect(p2.hold == nil)
    }

    @Test(arguments: StoreKind.all)
    func testOpenTicketDoesNotHoldWithoutSkipIfOpenTicket(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  purchases: [Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 100)],
                                  tickets: [Ticket(id: "T1", customerID: "C1", status: "open", openedAt: "2026-10-01T10:00:00Z", updatedAt: "2026-10-02T10:00:00Z")])
        let y = try occurrences(rule(skipIfOpenTicket: false), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"))
        #expect(y.occurrences.map(\.key) == ["post_purchase:P1"])
        #expect(y.occurrences.first?.hold == nil)
    }

    // MARK: Rows that cannot be used

    @Test(arguments: StoreKind.all)
    func testPurchaseOfAnUnknownCustomerIsSkippedWithAReason(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  purchases: [Purchase(id: "PG", customerID: "GHOST", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 100),
                                              Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 100)])
        let y = try occurrences(rule(), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"))
        #expect(y.occurrences.map(\.key) == ["post_purchase:P1"])
        #expect(y.skipped.count == 1)
        #expect(y.skipped.first?.customerID == "GHOST")
        #expect(y.skipped.first?.reason.contains("PG") == true, "\(y.skipped)")
    }

    @Test(arguments: StoreKind.textual)
    func testPurchaseWithoutAnOffsetIsSkippedWithAReason(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        // SQLite reads an offset-less time as UTC, so the range query returns it; the rule must refuse to guess.
        let store = try makeStore(kind, in: folder, customers: [customer("C1")],
                                  purchases: [Purchase(id: "PX", customerID: "C1", purchasedAt: "2026-11-01T10:00:00", amount: 100)])
        let y = try occurrences(rule(), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"))
        #expect(y.occurrences.isEmpty)
        #expect(y.skipped.map(\.customerID) == ["C1"])
        #expect(y.skipped.first?.reason.contains("2026-11-01T10:00:00") == true)
    }

    @Test(arguments: StoreKind.all)
    func testCustomerWithUnknownZoneIsSkipped(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1", timezone: "Europe/Atlantis")],
                                  purchases: [Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 100)])
        let y = try occurrences(rule(), store, from: at("2026-11-14T00:00:00Z"), to: at("2026-11-17T00:00:00Z"))
        #expect(y.occurrences.isEmpty)
        #expect(y.skipped.first?.reason.contains("Europe/Atlantis") == true)
    }

    // MARK: Offsets are instants

    @Test(arguments: StoreKind.all)
    func testPurchaseOffsetsAreComparedAsInstantsNotStrings(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], purchases: [
            // Text order: "…T23:30…+14:00" sorts after "…T00:30…-11:00", but it is two hours earlier.
            Purchase(id: "KIRI", customerID: "C1", purchasedAt: "2026-11-01T23:30:00+14:00", amount: 1),  // 2026-11-01T09:30Z
            Purchase(id: "PAGO", customerID: "C1", purchasedAt: "2026-11-01T00:30:00-11:00", amount: 1),  // 2026-11-01T11:30Z
            // A date of 2 Nov in text, 1 Nov in UTC.
            Purchase(id: "NEXT", customerID: "C1", purchasedAt: "2026-11-02T01:00:00+14:00", amount: 1),  // 2026-11-01T11:00Z
        ])
        let early = try occurrences(rule(), store, from: at("2026-11-15T09:00:00Z"), to: at("2026-11-15T10:00:00Z"))
        #expect(dues(early) == ["post_purchase:KIRI": at("2026-11-15T09:30:00Z")])
        let late = try occurrences(rule(), store, from: at("2026-11-15T10:30:00Z"), to: at("2026-11-15T12:00:00Z"))
        #expect(dues(late) == ["post_purchase:PAGO": at("2026-11-15T11:30:00Z"), "post_purchase:NEXT": at("2026-11-15T11:00:00Z")])
        // Nothing of them is due on 16 Nov UTC, where the text of NEXT would put it.
        #expect(try occurrences(rule(), store, from: at("2026-11-15T12:00:01Z"), to: at("2026-11-16T23:00:00Z")).occurrences.isEmpty)
    }

    @Test(arguments: StoreKind.all)
    func testOccurrenceCarriesThePurchaseAndTheDefaultLateness(_ kind: StoreKind) throws {
        let folder = TemporaryFolder()
        let purchase = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-01T10:00:00+01:00", amount: 120, currency: "HUF", item: "Kávéfőző")
        let store = try makeStore(kind, in: folder, customers: [customer("C1")], purchases: [purchase])
        let y = try occurrences(rule(), store, from: at("2026-11-15T00:00:00Z"), to: at("2026-11-16T00:00:00Z"))
        let o = try #require(y.occurrences.first)
        #expect(o.purchase?.isSame(as: purchase) == true, "\(o.subject)")
        #expect(o.customer.id == "C1")
        #expect(o.deadline == at("2026-11-22T10:00:00+01:00"))
    }
}
