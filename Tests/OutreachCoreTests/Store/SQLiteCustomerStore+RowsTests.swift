import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Reading store rows as another tool wrote them: every spelling of consent, text that is not
/// UTF-8, text where a number belongs, missing ids. A row that cannot be read whole is rejected
/// with a typed reason, never read with a guess.
@Suite struct SQLiteCustomerStoreRowsTests {
    let folder = TemporaryFolder()
    let foreign: ForeignStore
    var store: SQLiteCustomerStore { foreign.store }

    init() throws {
        foreign = try ForeignStore(in: folder)
    }

    /// The one rejection of a query that should reject exactly one row for one reason.
    func single(_ rejected: [UnreadableRow], sourceLocation: SourceLocation = #_sourceLocation) -> UnreadableRow? {
        #expect(rejected.count == 1, "\(rejected)", sourceLocation: sourceLocation)
        return rejected.first
    }

    // MARK: Consent

    static let optedOutSpellings: [Cell] = [
        .integer(1), .integer(2), .integer(-1), .real(1), .real(0.5), .text("1"), .text("2"), .text("-3"), .text("0.5"),
        .text("true"), .text("TRUE"), .text("True"), .text("t"), .text("T"), .text("yes"), .text("YES"), .text("Yes"),
        .text(" yes "), .text("y"), .text("Y"), .text("on"), .text("ON"), .text("\ttrue\n"),
    ]
    static let notOptedOutSpellings: [Cell] = [
        .integer(0), .real(0), .text("0"), .text("0.0"), .text(" 0 "), .text("false"), .text("FALSE"), .text("False"),
        .text("f"), .text("F"), .text("no"), .text("NO"), .text("No"), .text("n"), .text("N"), .text("off"), .text("OFF"), .text(" off "),
    ]
    static let unrecognisedConsent: [Cell] = [
        .null, .text(""), .text("   "), .text("maybe"), .text("yess"), .text("nein"), .text("nan"), .text("1 0"),
        .blob([0x01]), .blob([]), .invalidUTF8([0x79, 0xE9, 0x73]),
    ]

    @Test(arguments: optedOutSpellings.map { ($0, true) } + notOptedOutSpellings.map { ($0, false) })
    func testEverySpellingOfYesAndNoIsRead(_ value: Cell, _ optedOut: Bool) throws {
        try foreign.customer("C1", ["opted_out": value])
        let found = try store.customers(ids: ["C1"])
        #expect(found.rejected.isEmpty, "\(found.rejected)")
        #expect(found.rows["C1"]?.optedOut == optedOut, "\(value)")
        // The tick's birthday query reads it the same way.
        let tick = try store.customers(birthdayMonthDays: ["11-23"], customerID: nil)
        #expect(tick.rows.map(\.optedOut) == [optedOut], "\(value)")
    }

    @Test(arguments: unrecognisedConsent)
    func testUnrecognisedConsentRejectsTheCustomer(_ value: Cell) throws {
        try foreign.customer("C1", ["opted_out": value])
        try foreign.customer("C2")
        let found = try store.customers(ids: ["C1", "C2"])
        #expect(found.rows.keys.sorted() == ["C2"], "\(value)")
        let row = try #require(single(found.rejected))
        #expect(row.table == "customers" && row.id == "C1" && row.customerID == "C1" && row.column == "opted_out")
        guard case .unrecognisedConsent = row.problem else { Issue.record("\(row.problem)"); return }
        #expect(row.description.contains("consent"), "\(row)")
        let tick = try store.customers(birthdayMonthDays: ["11-23"], customerID: nil)
        #expect(tick.rows.map(\.id) == ["C2"])
        #expect(tick.rejected.map(\.id) == ["C1"])
    }

    // MARK: Text that is not UTF-8

    @Test(arguments: ["id", "name", "email", "phone", "locale", "timezone", "birthday", "tier"], [false, true])
    func testCustomerTextThatIsNotUTF8IsRejectedNotRepaired(_ column: String, _ asBlob: Bool) throws {
        let bytes: [UInt8] = [0x45, 0x76, 0xE9, 0xE9]
        try foreign.customer("C1", [column: asBlob ? .blob(bytes) : .invalidUTF8(bytes)])
        let found = column == "id" ? try store.customers(birthdayMonthDays: ["11-23"], customerID: nil).rows.map { ($0.id, $0) }
                                   : try store.customers(ids: ["C1"]).rows.map { ($0.key, $0.value) }
        #expect(found.isEmpty, "\(column) read as \(found)")
        let rejected = column == "id" ? try store.customers(birthdayMonthDays: ["11-23"], customerID: nil).rejected
                                      : try store.customers(ids: ["C1"]).rejected
        let row = try #require(single(rejected))
        #expect(row.column == column)
        #expect(row.problem == .notUTF8)
        #expect(!row.description.contains("\u{FFFD}"), "\(row)")
        // A bad id is shown byte for byte, so the operator can find the row.
        #expect(row.id == (column == "id" ? "Ev\\xE9\\xE9" : "C1"))
    }

    @Test func testUTF8InABlobIsText() throws {
        try foreign.customer("C1", ["name": .blob(Array("Kovács Anna".utf8)), "email": .blob(Array("anna@example.hu".utf8))])
        let c = try #require(try store.customers(ids: ["C1"]).rows["C1"])
        #expect(Array(c.name.utf8) == Array("Kovács Anna".utf8))
        #expect(c.email == "anna@example.hu")
    }

    @Test(arguments: ["item", "currency", "id", "customer_id"])
    func testPurchaseTextThatIsNotUTF8IsRejected(_ column: String) throws {
        try foreign.purchase("P1", customer: "C1", [column: .latin1Name])
        try foreign.purchase("P2", customer: "C1")
        let found = try store.purchases(madeIn: at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z"), customerID: nil)
        #expect(found.rows.map(\.id) == ["P2"])
        let row = try #require(single(found.rejected))
        #expect(row.column == column)
        #expect(row.problem == .notUTF8)
    }

    @Test(arguments: ["subject", "id", "customer_id"])
    func testTicketTextThatIsNotUTF8IsRejected(_ column: String) throws {
        try foreign.ticket("T1", customer: "C1", [column: .latin1Name])
        try foreign.ticket("T2", customer: "C1", [column: .blob([0xFF, 0xFE, 0x41])])
        try foreign.ticket("T3", customer: "C1")
        let found = try store.unresolvedTickets(updatedIn: at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z"), customerID: nil)
        #expect(found.rows.map(\.id) == ["T3"])
        #expect(found.rejected.count == 2, "\(found.rejected)")
        #expect(found.rejected.allSatisfy { $0.column == column && $0.problem == .notUTF8 })
    }

    // MARK: Numbers

    @Test(arguments: [(Cell.text("abc"), StoredValue.text("abc")), (.text("12,50"), .text("12,50")), (.text("12abc"), .text("12abc")),
                      (.text("1e999"), .text("1e999")), (.text("inf"), .text("inf")), (.text("nan"), .text("nan")),
                      (.blob([0x31, 0x32]), .blob(bytes: 2)), (.invalidUTF8([0x31, 0xE9]), .text("1\\xE9"))])
    func testAmountThatIsNotANumberIsRejectedNotReadAsNoAmount(_ value: Cell, _ shown: StoredValue) throws {
        try foreign.purchase("P1", customer: "C1", ["amount": value])
        let found = try store.purchases(madeIn: at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z"), customerID: nil)
        #expect(found.rows.isEmpty, "\(found.rows)")
        let row = try #require(single(found.rejected))
        #expect(row.id == "P1" && row.customerID == "C1" && row.column == "amount")
        #expect(row.problem == .notANumber(shown))
    }

    @Test(arguments: [(Cell.text("120.5"), 120.5 as Double?), (.text(" 99 "), 99), (.text("1e3"), 1000), (.text("-5"), -5),
                      (.integer(7), 7), (.real(0.25), 0.25), (.null, nil), (.text(""), nil), (.text("  "), nil)])
    func testNumericTextIsAnAmountAndBlankIsNone(_ value: Cell, _ amount: Double?) throws {
        try foreign.purchase("P1", customer: "C1", ["amount": value])
        let found = try store.purchases(madeIn: at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z"), customerID: nil)
        #expect(found.rejected.isEmpty, "\(found.rejected)")
        #expect(found.rows.map(\.amount) == [amount])
    }

    @Test func testLifetimeSpendOfACustomerWithAnAmountThatIsNotANumberIsUnknown() throws {
        try foreign.purchase("P1", customer: "C1", ["amount": .real(800)])
        try foreign.purchase("P2", customer: "C1", ["amount": .text("abc"), "purchased_at": .text("2026-10-01T10:00:00Z")])
        try foreign.purchase("P3", customer: "C2", ["amount": .real(800)])
        try foreign.purchase("P4", customer: "C2", ["amount": .text("200.5")])
        try foreign.purchase("P5", customer: "C2", ["amount": .null])
        let spend = try store.lifetimeSpend(customerIDs: ["C1", "C2"])
        #expect(spend.rows == ["C2": 1000.5])
        let row = try #require(single(spend.rejected))
        #expect(row.id == "P2" && row.customerID == "C1" && row.problem == .notANumber(.text("abc")))
    }

    // MARK: Ids

    @Test(arguments: [Cell.null, .text(""), .text("   ")], ["id", "customer_id"])
    func testPurchaseWithoutAnIdOrCustomerIsRejected(_ value: Cell, _ column: String) throws {
        try foreign.purchase("P1", customer: "C1", [column: value])
        let found = try store.purchases(madeIn: at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z"), customerID: nil)
        #expect(found.rows.isEmpty, "\(found.rows)")
        let row = try #require(single(found.rejected))
        #expect(row.column == column)
        guard case .missingID = row.problem else { Issue.record("\(row.problem)"); return }
        #expect(column == "id" ? row.id == nil && row.customerID == "C1" : row.id == "P1" && row.customerID == nil)
    }

    @Test(arguments: [Cell.null, .text("")])
    func testTicketAndCustomerWithoutAnIdAreRejected(_ value: Cell) throws {
        try foreign.ticket("T1", customer: "C1", ["id": value])
        try foreign.customer("C1", ["id": value])
        let tickets = try store.unresolvedTickets(updatedIn: at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z"), customerID: nil)
        #expect(tickets.rows.isEmpty)
        #expect(tickets.rejected.map(\.column) == ["id"])
        let customers = try store.customers(birthdayMonthDays: ["11-23"], customerID: nil)
        #expect(customers.rows.isEmpty)
        #expect(customers.rejected.map(\.column) == ["id"])
        #expect(customers.rejected.first?.customerID == nil)
    }

    // MARK: Tickets

    @Test(arguments: [Cell.text("yesterday"), .text("2026-10-30T08:00:00"), .null, .latin1Name])
    func testTicketOpenedAtThatIsNoTimestampIsRejected(_ value: Cell) throws {
        try foreign.ticket("T1", customer: "C1", ["opened_at": value])
        let found = try store.unresolvedTickets(updatedIn: at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z"), customerID: nil)
        #expect(found.rows.isEmpty)
        let row = try #require(single(found.rejected))
        #expect(row.column == "opened_at")
    }

    @Test func testTicketsInAnUnknownStatusMayBeOpenForSkipIfOpenTicket() throws {
        try foreign.ticket("T1", customer: "C1")
        try foreign.ticket("T2", customer: "C2", ["status": .text("Open")])
        try foreign.ticket("T3", customer: "C3", ["status": .text("solved")])
        try foreign.ticket("T4", customer: "C4", ["status": .null])
        try foreign.ticket("T5", customer: "C5", ["status": .text("waiting")])
        let open = try store.customersWithUnresolvedTickets(among: ["C1", "C2", "C3", "C4", "C5"])
        #expect(open.rows == ["C1"])
        #expect(Set(open.rejected.map(\.id)) == ["T2", "T4", "T5"])
        #expect(open.rejected.contains { $0.id == "T2" && $0.problem == .unknownStatus(.text("Open")) })
        #expect(open.rejected.contains { $0.id == "T4" && $0.problem == .unknownStatus(.null) })
    }
}
