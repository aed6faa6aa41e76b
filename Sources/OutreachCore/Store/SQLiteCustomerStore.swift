import Foundation
import GRDB

/// The customer store in a SQLite file, read through the indexes ``StoreSchema`` creates.
public final class SQLiteCustomerStore: CustomerStore, Sendable {
    public let path: String
    let queue: DatabaseQueue
    /// The file opened (device and inode), to notice a store replaced or removed under a running daemon.
    private let identity: FileIdentity?

    /// Opens an existing store. `readOnly` is how every command but `init` and `import` opens it.
    public init(path: String, readOnly: Bool = true) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missing(path) }
        var configuration = GRDB.Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(5)
        do {
            queue = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw StoreError.unreadable(path, error)
        }
        self.path = path
        self.identity = FileIdentity(path)
    }

    /// Whether `path` still names the file this store opened.
    ///
    /// An export job that writes a new file and renames it over the old one, or deletes it, leaves
    /// an open connection reading the old inode; the daemon checks this before each tick.
    public func checkFile() throws -> FileCheck {
        guard let now = FileIdentity(path) else { throw StoreError.missing(path) }
        return now == identity ? .same : .replaced
    }

    public enum FileCheck: Sendable { case same, replaced }

    /// Creates the store file if needed, with the schema and indexes.
    public static func create(path: String) throws -> SQLiteCustomerStore {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try StoreSchema.create(db) }
        return try SQLiteCustomerStore(path: path, readOnly: false)
    }

    /// Runs `body` in one write transaction (imports, the demo).
    public func write<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.write(body)
    }

    // MARK: Queries. `plannedQueries` lists the same SQL so `check` can show their plans.

    static let birthdaySQL = "SELECT * FROM customers WHERE substr(birthday, -5) IN "
    static let purchasesSQL = "SELECT * FROM purchases WHERE julianday(purchased_at) BETWEEN ? AND ?"
    static let latestPurchasesSQL = """
        SELECT p.* FROM purchases p WHERE julianday(p.purchased_at) BETWEEN ? AND ?
        AND NOT EXISTS (SELECT 1 FROM purchases q WHERE q.customer_id = p.customer_id
                        AND julianday(q.purchased_at) > julianday(p.purchased_at))
        """
    static let unresolvedSQL = "SELECT * FROM tickets WHERE status IN ('open', 'pending') AND julianday(updated_at) BETWEEN ? AND ?"
    static let solvedSQL = "SELECT * FROM tickets WHERE status IN ('solved', 'closed') AND julianday(solved_at) BETWEEN ? AND ?"
    static let spendSQL = "SELECT customer_id, SUM(amount) FROM purchases WHERE customer_id IN "
    static let openTicketsSQL = "SELECT DISTINCT customer_id FROM tickets WHERE status IN ('open', 'pending') AND customer_id IN "

    public func customers(birthdayMonthDays monthDays: Set<String>?, customerID: String?) throws -> [Customer] {
        guard let monthDays else {
            guard let customerID else { return [] }
            return try read { db in try Row.fetchAll(db, sql: "SELECT * FROM customers WHERE id = ?", arguments: [customerID]).map(Self.customer) }
        }
        guard !monthDays.isEmpty else { return [] }
        let days = monthDays.sorted()
        var sql = Self.birthdaySQL + sqlList(days.count)
        var arguments = StatementArguments(days)
        if let customerID { sql += " AND id = ?"; arguments += [customerID] }
        return try read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(Self.customer) }
    }

    public func customers(ids: [String]) throws -> [String: Customer] {
        var result: [String: Customer] = [:]
        try read { db in
            for chunk in ids.chunked(500) {
                let sql = "SELECT * FROM customers WHERE id IN " + sqlList(chunk.count)
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                    let c = Self.customer(row)
                    result[c.id] = c
                }
            }
        }
        return result
    }

    public func purchases(madeIn range: ClosedRange<Date>, customerID: String?) throws -> [Purchase] {
        try fetch(Self.purchasesSQL, range, customerID: customerID, column: "customer_id", Self.purchase)
    }

    public func latestPurchases(madeIn range: ClosedRange<Date>, customerID: String?) throws -> [Purchase] {
        try fetch(Self.latestPurchasesSQL, range, customerID: customerID, column: "p.customer_id", Self.purchase)
    }

    public func lifetimeSpend(customerIDs ids: [String]) throws -> [String: Double] {
        var result: [String: Double] = [:]
        try read { db in
            for chunk in ids.chunked(500) {
                let sql = Self.spendSQL + sqlList(chunk.count) + " GROUP BY customer_id"
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                    if let id = Self.text(row[0]) { result[id] = Self.number(row[1]) ?? 0 }
                }
            }
        }
        return result
    }

    public func unresolvedTickets(updatedIn range: ClosedRange<Date>, customerID: String?) throws -> [Ticket] {
        try fetch(Self.unresolvedSQL, range, customerID: customerID, column: "customer_id", Self.ticket)
    }

    public func solvedTickets(solvedIn range: ClosedRange<Date>, customerID: String?) throws -> [Ticket] {
        try fetch(Self.solvedSQL, range, customerID: customerID, column: "customer_id", Self.ticket)
    }

    public func customersWithUnresolvedTickets(among ids: [String]) throws -> Set<String> {
        var result: Set<String> = []
        try read { db in
            for chunk in ids.chunked(500) {
                let sql = Self.openTicketsSQL + sqlList(chunk.count)
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                    if let id = Self.text(row[0]) { result.insert(id) }
                }
            }
        }
        return result
    }

    public func unreadableRows(customerID: String?, limit: Int) throws -> [UnreadableRow] {
        let probes: [(table: String, column: String, filter: String)] = [
            ("purchases", "purchased_at", ""),
            ("tickets", "updated_at", "status IN ('open', 'pending') AND "),
            ("tickets", "solved_at", "status IN ('solved', 'closed') AND "),
        ]
        return try read { db in
            var rows: [UnreadableRow] = []
            for probe in probes {
                var sql = "SELECT id, customer_id, \(probe.column) FROM \(probe.table) WHERE \(probe.filter)julianday(\(probe.column)) IS NULL"
                var arguments = StatementArguments()
                if let customerID { sql += " AND customer_id = ?"; arguments += [customerID] }
                sql += " LIMIT \(limit)"
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                    rows.append(UnreadableRow(table: probe.table, id: Self.text(row[0]) ?? "?", customerID: Self.text(row[1]) ?? "?",
                                              column: probe.column, value: Self.text(row[2])))
                }
            }
            return rows
        }
    }

    // MARK: Plumbing

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw StoreError.unreadable(path, error) }
    }

    private func fetch<T>(_ sql: String, _ range: ClosedRange<Date>, customerID: String?, column: String, _ map: (Row) -> T) throws -> [T] {
        var sql = sql
        var arguments: StatementArguments = [Timestamp.julianDay(range.lowerBound), Timestamp.julianDay(range.upperBound)]
        if let customerID { sql += " AND \(column) = ?"; arguments += [customerID] }
        return try read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map(map) }
    }

    /// Store columns are declared TEXT or REAL, but SQLite keeps whatever was written; read any storage class.
    static func text(_ value: DatabaseValue) -> String? {
        switch value.storage {
        case .null: return nil
        case .string(let s): return s
        case .int64(let i): return String(i)
        case .double(let d): return String(d)
        case .blob(let b): return String(decoding: b, as: UTF8.self)
        }
    }

    static func number(_ value: DatabaseValue) -> Double? {
        switch value.storage {
        case .int64(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s.trimmingCharacters(in: .whitespaces))
        default: return nil
        }
    }

    static func customer(_ row: Row) -> Customer {
        func t(_ c: String) -> String? { text(row[c] ?? .null).flatMap { $0.isEmpty ? nil : $0 } }
        return Customer(id: t("id") ?? "", name: t("name") ?? "", email: t("email"), phone: t("phone"), locale: t("locale"),
                        timezone: t("timezone"), birthday: t("birthday"), tier: t("tier"),
                        optedOut: (number(row["opted_out"] ?? .null) ?? 0) != 0, createdAt: t("created_at"))
    }

    static func purchase(_ row: Row) -> Purchase {
        func t(_ c: String) -> String? { text(row[c] ?? .null).flatMap { $0.isEmpty ? nil : $0 } }
        return Purchase(id: t("id") ?? "", customerID: t("customer_id") ?? "", purchasedAt: t("purchased_at") ?? "",
                        amount: number(row["amount"] ?? .null), currency: t("currency"), item: t("item"))
    }

    static func ticket(_ row: Row) -> Ticket {
        func t(_ c: String) -> String? { text(row[c] ?? .null).flatMap { $0.isEmpty ? nil : $0 } }
        return Ticket(id: t("id") ?? "", customerID: t("customer_id") ?? "", subject: t("subject"), status: t("status") ?? "",
                      openedAt: t("opened_at") ?? "", updatedAt: t("updated_at") ?? "", solvedAt: t("solved_at"))
    }
}

/// `(?, ?, …)` with `count` parameters, for `IN` lists (callers chunk to 500 to stay under SQLite's limit).
func sqlList(_ count: Int) -> String {
    "(" + Array(repeating: "?", count: count).joined(separator: ",") + ")"
}

extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
