import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// A PostgreSQL store reads (and refuses) every value exactly as the SQLite store does: the same
/// cells, written to a SQLite store of another tool and to PostgreSQL `text` columns, give the
/// same rows and the same rejections.
@Suite struct PostgresCustomerStoreRowsTests {
    let folder = TemporaryFolder()

    /// A cell as PostgreSQL text holds it; `nil` for cells it cannot hold (bytes that are not UTF-8, blobs).
    static func text(_ cell: Cell) -> String?? {
        switch cell {
        case .text(let s): return .some(s)
        case .integer(let i): return .some(String(i))
        case .real(let d): return .some(String(d))
        case .null: return .some(nil)
        case .invalidUTF8, .blob: return nil
        }
    }

    static func representable(_ cells: [Cell]) -> [Cell] { cells.filter { text($0) != nil } }

    /// The same row, `base` overridden by `cells`, in a SQLite store of another tool and in PostgreSQL text columns.
    func stores(_ table: String, _ rows: [(base: [String: Cell], cells: [String: Cell])]) throws -> (sqlite: any CustomerStore, postgres: any CustomerStore) {
        let foreign = try ForeignStore(in: folder)
        let fixture = try PostgresFixture(.postgresText)
        for (base, cells) in rows {
            try foreign.insert(table, base, cells)
            let row = base.merging(cells) { $1 }.sorted { $0.key < $1.key }
            try fixture.insert(table, row.map(\.key), [row.map { Self.text($0.value)! }])
        }
        return (foreign.store, try fixture.store())
    }

    static func customer(_ id: String) -> [String: Cell] {
        ["id": .text(id), "name": .text("Customer \(id)"), "email": .text("\(id.lowercased())@example.com"),
         "timezone": .text("Europe/Budapest"), "birthday": .text("1980-11-23"), "opted_out": .integer(0)]
    }

    static func purchase(_ id: String) -> [String: Cell] {
        ["id": .text(id), "customer_id": .text("C1"), "purchased_at": .text("2026-11-01T10:00:00+01:00"), "amount": .real(120),
         "currency": .text("EUR"), "item": .text("coffee grinder")]
    }

    static func ticket(_ id: String) -> [String: Cell] {
        ["id": .text(id), "customer_id": .text("C1"), "subject": .text("Broken coffee machine"), "status": .text("open"),
         "opened_at": .text("2026-10-30T08:00:00Z"), "updated_at": .text("2026-11-01T10:00:00Z"), "solved_at": .text("2026-11-02T10:00:00Z")]
    }

    // Each value is one row of one store pair, so a few fixtures serve every case.

    @Test func testConsentIsReadAndRefusedAsSQLiteDoes() throws {
        let values = Self.representable(SQLiteCustomerStoreRowsTests.optedOutSpellings + SQLiteCustomerStoreRowsTests.notOptedOutSpellings
                                        + SQLiteCustomerStoreRowsTests.unrecognisedConsent)
        let rows = values.enumerated().map { (Self.customer("C\($0.offset)"), ["opted_out": $0.element]) }
        let (sqlite, postgres) = try stores("customers", rows)
        let ids = values.indices.map { "C\($0)" }
        let expected = try sqlite.customers(ids: ids)
        let found = try postgres.customers(ids: ids)
        for (i, value) in values.enumerated() {
            #expect(found.rows["C\(i)"]?.optedOut == expected.rows["C\(i)"]?.optedOut, "\(value)")
            #expect(found.rejected.filter { $0.id == "C\(i)" } == expected.rejected.filter { $0.id == "C\(i)" }, "\(value)")
        }
        #expect(expected.rejected.count == 8 && expected.rows.count == values.count - 8)
        // The tick's birthday query reads them the same way.
        let tick = try postgres.customers(birthdayMonthDays: ["11-23"], customerID: nil)
        let sqliteTick = try sqlite.customers(birthdayMonthDays: ["11-23"], customerID: nil)
        #expect(tick.rows.sorted { $0.id < $1.id } == sqliteTick.rows.sorted { $0.id < $1.id })
        #expect(Set(tick.rejected) == Set(sqliteTick.rejected))
    }

    @Test func testAmountsAreReadAndRefusedAsSQLiteDoes() throws {
        let values: [Cell] = [.text("abc"), .text("12,50"), .text("12abc"), .text("1e999"), .text("inf"), .text("nan"), .text("120.5"), .text(" 99 "),
                              .text("1e3"), .text("-5"), .integer(7), .real(0.25), .null, .text(""), .text("  ")]
        var rows: [(base: [String: Cell], cells: [String: Cell])] = []
        for (i, value) in values.enumerated() {
            var base = Self.purchase("P\(i)")
            base["customer_id"] = .text("C\(i)")
            rows.append((base, ["amount": value]))
        }
        let (sqlite, postgres) = try stores("purchases", rows)
        let range = at("2026-11-01T00:00:00Z")...at("2026-11-02T00:00:00Z")
        let expected = try sqlite.purchases(madeIn: range, customerID: nil)
        let found = try postgres.purchases(madeIn: range, customerID: nil)
        #expect(found.rows.sorted { $0.id < $1.id } == expected.rows.sorted { $0.id < $1.id })
        #expect(Set(found.rejected) == Set(expected.rejected))
        #expect(expected.rejected.count == 6, "\(expected.rejected)")
        let ids = values.indices.map { "C\($0)" }
        #expect(try Set(postgres.lifetimeSpend(customerIDs: ids).rejected) == Set(sqlite.lifetimeSpend(customerIDs: ids).rejected))
        #expect(try postgres.lifetimeSpend(customerIDs: ids).rows == sqlite.lifetimeSpend(customerIDs: ids).rows)
    }

    @Test func testUnknownStatusesAreReportedAsSQLiteReportsThem() throws {
        let statuses: [Cell] = [.text("Open"), .text("OPEN"), .text("Pending"), .text("waiting"), .text(""), .text(" open"), .text("open "),
                                .text("solved!"), .text("zzz"), .text("cancelled"), .null]
        var rows: [(base: [String: Cell], cells: [String: Cell])] = []
        for (i, status) in statuses.enumerated() {
            var base = Self.ticket("T\(i)")
            base["customer_id"] = .text("C\(i)")
            rows.append((base, ["status": status]))
        }
        for known in Ticket.Status.allCases { rows.append((Self.ticket("K-\(known.rawValue)"), ["status": .text(known.rawValue)])) }
        let (sqlite, postgres) = try stores("tickets", rows)
        let expected = try sqlite.unreadableRows(customerID: nil, limit: 100)
        #expect(expected.count == statuses.count)
        #expect(try Set(postgres.unreadableRows(customerID: nil, limit: 100)) == Set(expected))
        for i in statuses.indices {
            #expect(try postgres.unreadableRows(customerID: "C\(i)", limit: 100) == sqlite.unreadableRows(customerID: "C\(i)", limit: 100))
        }
        // skip_if_open_ticket sees the same tickets as maybe open, and refuses the same ones.
        let ids = statuses.indices.map { "C\($0)" } + ["C1"]
        let open = try postgres.customersWithUnresolvedTickets(among: ids)
        let sqliteOpen = try sqlite.customersWithUnresolvedTickets(among: ids)
        #expect(open.rows == sqliteOpen.rows && Set(open.rejected) == Set(sqliteOpen.rejected))
    }

    @Test(arguments: [Cell.text("last week"), .text("2026-11-01T10:00:00"), .text("2026-11-01"), .text("soon"), .text("31/10/2026"), .null])
    func testTimesThatAreNoInstantsAreReportedAsSQLiteReportsThem(_ time: Cell) throws {
        let (sqlite, postgres) = try stores("purchases", [(Self.purchase("P1"), ["purchased_at": time]), (Self.purchase("P2"), [:])])
        // Found by the tick (and refused by the rule) or reported as a store row: either way, the same in both stores.
        let range = at("2026-10-31T00:00:00Z")...at("2026-11-02T00:00:00Z")
        let tick = try postgres.purchases(madeIn: range, customerID: nil).rows.map(\.id)
        let sqliteTick = try sqlite.purchases(madeIn: range, customerID: nil).rows.map(\.id)
        let unreadable = try postgres.unreadableRows(customerID: nil, limit: 100).map(\.id)
        let sqliteUnreadable = try sqlite.unreadableRows(customerID: nil, limit: 100).map(\.id)
        #expect(Set(tick + unreadable) == Set(sqliteTick + sqliteUnreadable), "\(time): \(tick) + \(unreadable) vs \(sqliteTick) + \(sqliteUnreadable)")
    }
}
