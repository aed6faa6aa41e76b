import Foundation
import GRDB
import OutreachTestSupport
@testable import OutreachCore

/// One cell as another tool may have written it.
enum Cell {
    case text(String)
    /// TEXT storage holding these bytes, which are not UTF-8 (SQLite does not check).
    case invalidUTF8([UInt8])
    case blob([UInt8])
    case integer(Int)
    case real(Double)
    case null

    /// "Ev" then Latin-1 "éé": how a name written by a Latin-1 tool arrives.
    static let latin1Name = Cell.invalidUTF8([0x45, 0x76, 0xE9, 0xE9])

    /// The SQL placeholder and its argument.
    var sql: (String, DatabaseValueConvertible?) {
        switch self {
        case .text(let s): return ("?", s)
        case .invalidUTF8(let bytes): return ("CAST(? AS TEXT)", Data(bytes))
        case .blob(let bytes): return ("?", Data(bytes))
        case .integer(let i): return ("?", i)
        case .real(let d): return ("?", d)
        case .null: return ("?", nil)
        }
    }
}

/// A store written by another tool: the contract's columns without types or constraints, so
/// every value stays exactly as written (NULLs, text in number columns, blobs), with the indexes
/// `outreachd init` creates. Opened as the commands open it, plus a writer for the test.
struct ForeignStore {
    let store: SQLiteCustomerStore
    private let writer: DatabaseQueue

    /// - Parameter file: `customers.db` is where ``makeDeployment(in:rules:schedule:templates:)`` looks.
    init(in folder: TemporaryFolder, file: String = "foreign.db", statusNotNull: Bool = false) throws {
        let path = folder.file(file)
        writer = try DatabaseQueue(path: path)
        try writer.write { db in
            try db.execute(sql: """
                CREATE TABLE customers(id, name, email, phone, locale, timezone, birthday, tier, opted_out, created_at);
                CREATE TABLE purchases(id, customer_id, purchased_at, amount, currency, item);
                CREATE TABLE tickets(id, customer_id, subject, status \(statusNotNull ? "NOT NULL" : ""), opened_at, updated_at, solved_at);
                """)
            for index in StoreSchema.indexes { try db.execute(sql: "CREATE INDEX \(index.name) ON \(index.definition)") }
        }
        store = try SQLiteCustomerStore(path: path)
    }

    /// Inserts one row: `base` overridden by `cells`.
    func insert(_ table: String, _ base: [String: Cell], _ cells: [String: Cell]) throws {
        let row = base.merging(cells) { $1 }.sorted { $0.key < $1.key }
        let values = row.map(\.value.sql)
        try writer.write { db in
            try db.execute(sql: "INSERT INTO \(table)(\(row.map(\.key).joined(separator: ", "))) VALUES (\(values.map(\.0).joined(separator: ", ")))",
                           arguments: StatementArguments(values.map(\.1)))
        }
    }

    /// A customer in Budapest whose birthday is 23 November, overridden by `cells`.
    func customer(_ id: String, _ cells: [String: Cell] = [:]) throws {
        try insert("customers", ["id": .text(id), "name": .text("Customer \(id)"), "email": .text("\(id.lowercased())@example.com"),
                                 "timezone": .text("Europe/Budapest"), "birthday": .text("1980-11-23"), "opted_out": .integer(0)], cells)
    }

    /// A purchase on 1 November 2026, 10:00 in Budapest, overridden by `cells`.
    func purchase(_ id: String, customer: String, _ cells: [String: Cell] = [:]) throws {
        try insert("purchases", ["id": .text(id), "customer_id": .text(customer), "purchased_at": .text("2026-11-01T10:00:00+01:00"),
                                 "amount": .real(120), "currency": .text("EUR"), "item": .text("coffee grinder")], cells)
    }

    /// An open ticket last updated on 1 November 2026, 10:00 UTC, overridden by `cells`.
    func ticket(_ id: String, customer: String, _ cells: [String: Cell] = [:]) throws {
        try insert("tickets", ["id": .text(id), "customer_id": .text(customer), "subject": .text("Broken coffee machine"), "status": .text("open"),
                               "opened_at": .text("2026-10-30T08:00:00Z"), "updated_at": .text("2026-11-01T10:00:00Z")], cells)
    }
}
