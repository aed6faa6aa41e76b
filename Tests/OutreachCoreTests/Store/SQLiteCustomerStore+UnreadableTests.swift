import Foundation
import GRDB
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Rows no tick query fetches (a ticket status outside the four, a date SQLite cannot read) are
/// reported by index-driven probes, so `explain` and the log name them.
@Suite struct SQLiteCustomerStoreUnreadableTests {
    let folder = TemporaryFolder()

    static let unknownStatuses: [(Cell, StoredValue)] = [
        (.text("Open"), .text("Open")), (.text("OPEN"), .text("OPEN")), (.text("Pending"), .text("Pending")), (.text("waiting"), .text("waiting")),
        (.text(""), .text("")), (.text(" open"), .text(" open")), (.text("open "), .text("open ")), (.text("solved!"), .text("solved!")),
        (.text("zzz"), .text("zzz")), (.text("cancelled"), .text("cancelled")), (.integer(1), .integer(1)), (.real(2.5), .real(2.5)),
        (.blob([0x6F, 0x70, 0x65, 0x6E]), .blob(bytes: 4)), (.null, .null), (.invalidUTF8([0x6F, 0xE9]), .text("o\\xE9")),
    ]

    @Test(arguments: unknownStatuses)
    func testTicketInAnUnknownStatusIsReported(_ status: Cell, _ shown: StoredValue) throws {
        let foreign = try ForeignStore(in: folder)
        try foreign.ticket("T1", customer: "C1", ["status": status])
        for known in Ticket.Status.allCases {
            try foreign.ticket("K-\(known.rawValue)", customer: "C1", ["status": .text(known.rawValue), "solved_at": .text("2026-11-02T10:00:00Z")])
        }
        let rows = try foreign.store.unreadableRows(customerID: nil, limit: 100)
        #expect(rows == [UnreadableRow(table: "tickets", id: "T1", customerID: "C1", column: "status", problem: .unknownStatus(shown))], "\(rows)")
        #expect(rows.first?.description.contains(shown.description) == true)
        // Narrowed to the customer (explain), and to another customer.
        #expect(try foreign.store.unreadableRows(customerID: "C1", limit: 100).map(\.id) == ["T1"])
        #expect(try foreign.store.unreadableRows(customerID: "C2", limit: 100).isEmpty)
    }

    @Test func testUnreadableRowsAreLimitedPerProbe() throws {
        let foreign = try ForeignStore(in: folder)
        for i in 0..<5 { try foreign.ticket("T\(i)", customer: "C1", ["status": .text("Open")]) }
        for i in 0..<5 { try foreign.purchase("P\(i)", customer: "C1", ["purchased_at": .text("last week")]) }
        let rows = try foreign.store.unreadableRows(customerID: nil, limit: 3)
        #expect(rows.filter { $0.column == "status" }.count == 3)
        #expect(rows.filter { $0.column == "purchased_at" }.count == 3)
        #expect(rows.filter { $0.column == "purchased_at" }.allSatisfy { $0.problem == .notATimestamp(.text("last week")) })
    }

    /// The plan SQLite makes for the status probe, as `unreadableRows` builds it for this store.
    func statusProbePlan(_ store: SQLiteCustomerStore, mayBeNull: Bool, customer: Bool) throws -> [String] {
        let probe = try #require(SQLiteCustomerStore.probes(statusMayBeNull: mayBeNull).first { $0.column == "status" })
        let arguments = StatementArguments(Array(repeating: "C1", count: customer ? probe.arms.count : 0))
        return try store.queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + probe.sql(customer: customer, limit: 100), arguments: arguments).map { $0["detail"] as String? ?? "" }
        }
    }

    /// One search of `tickets` through an index (covering or not).
    static func isIndexSearch(_ detail: String) -> Bool {
        detail.hasPrefix("SEARCH tickets USING INDEX") || detail.hasPrefix("SEARCH tickets USING COVERING INDEX")
    }

    @Test(arguments: [false, true])
    func testStatusProbeSearchesTheStatusIndexNeverScans(_ customer: Bool) throws {
        // Where status may be NULL (another tool's schema) and where it may not (the contract's).
        let nullable = try ForeignStore(in: folder)
        let plan = try statusProbePlan(nullable.store, mayBeNull: true, customer: customer)
        #expect(!plan.contains { $0.hasPrefix("SCAN ") }, "\(plan)")
        #expect(plan.filter(Self.isIndexSearch).count == 6, "\(plan)")
        let contract = try SQLiteCustomerStore.create(path: folder.file("customers.db"))
        let strict = try statusProbePlan(contract, mayBeNull: false, customer: customer)
        #expect(!strict.contains { $0.hasPrefix("SCAN ") }, "\(strict)")
        #expect(strict.filter(Self.isIndexSearch).count == 5, "\(strict)")
        #expect(strict.allSatisfy { !$0.contains("tickets_unresolved_updated_at") || !customer }, "\(strict)")
    }

    @Test func testNotNullStatusColumnIsProbedWithoutTheNullArm() throws {
        // `status IS NULL` on a NOT NULL column makes SQLite scan; the probe leaves it out there.
        let foreign = try ForeignStore(in: folder, statusNotNull: true)
        try foreign.ticket("T1", customer: "C1", ["status": .text("OPEN")])
        var sql: [String] = []
        try foreign.store.queue.inDatabase { db in db.trace { sql.append($0.expandedDescription) } }
        #expect(try foreign.store.unreadableRows(customerID: nil, limit: 10).map(\.id) == ["T1"])
        try foreign.store.queue.inDatabase { db in db.trace(options: .statement, nil) }
        #expect(sql.contains { $0.contains("status > 'solved'") }, "\(sql)")
        #expect(!sql.contains { $0.contains("status IS NULL") }, "\(sql)")
    }

    @Test func testCheckKeepsReportingNoProblemsAndTheProbesAreAmongThePlannedQueries() throws {
        let store = try SQLiteCustomerStore.create(path: folder.file("customers.db"))
        #expect(store.schemaDiagnostics().isEmpty, "\(store.schemaDiagnostics().map(\.description))")
        #expect(SQLiteCustomerStore.plannedQueries.contains { $0.sql.contains("status > 'solved'") })
        #expect(SQLiteCustomerStore.plannedQueries.filter { $0.sql.contains(") IS NULL") }.count == 3)
    }

    // MARK: Descriptions

    @Test func testDescriptionsNameTableRowCustomerColumnAndNeverAnAddress() {
        let email = UnreadableRow(table: "customers", id: "C1", customerID: "C1", column: "email", problem: .notUTF8)
        #expect(email.description == "customers row C1: email is not valid UTF-8 text; it would go out garbled; skipped")
        let amount = UnreadableRow(table: "purchases", id: "P1", customerID: "C1", column: "amount", problem: .notANumber(.text("abc")))
        #expect(amount.description == "purchases row P1 (customer C1): amount \"abc\" is not a number (a dot for decimals); skipped")
        let orphan = UnreadableRow(table: "tickets", id: "T1", customerID: nil, column: "customer_id", problem: .missingID(.null))
        #expect(orphan.description.hasPrefix("tickets row T1 (no customer): customer_id is NULL"), "\(orphan)")
        let noID = UnreadableRow(table: "purchases", id: nil, customerID: "C1", column: "id", problem: .missingID(.text("")))
        #expect(noID.description.hasPrefix("purchases row without an id (customer C1): id is empty"), "\(noID)")
        let consent = UnreadableRow(table: "customers", id: "C1", customerID: "C1", column: "opted_out", problem: .unrecognisedConsent(.blob(bytes: 3)))
        #expect(consent.description.contains("a 3-byte BLOB is not a consent value"), "\(consent)")
    }

    @Test func testValuesAreEscapedAndCutShortSoTheyCannotForgeOrFloodALogLine() {
        let forged = UnreadableRow(table: "tickets", id: "T1", customerID: "C1", column: "status",
                                   problem: .unknownStatus(.text("Open\nlevel=error fake line " + String(repeating: "x", count: 500))))
        #expect(!forged.description.contains("\n"), "\(forged)")
        #expect(forged.description.contains("Open\\nlevel=error"), "\(forged)")
        #expect(forged.description.count < 200, "\(forged)")
    }
}
