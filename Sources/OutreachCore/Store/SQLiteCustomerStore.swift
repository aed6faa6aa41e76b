import Foundation
import GRDB

/// The customer store in a SQLite file, read through the indexes ``StoreSchema`` creates.
public final class SQLiteCustomerStore: CustomerStore, Sendable {
    public let path: String
    /// The connection every read uses while no other read is under way (and every write).
    let queue: DatabaseQueue
    /// Whether a read is using ``queue``, and more connections for reads made meanwhile (a tick
    /// evaluates its rules side by side), opened when first needed and kept for the next.
    private let readers = Locked<(queueBusy: Bool, spare: [DatabaseQueue])>((false, []))
    private let configuration: GRDB.Configuration
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
        self.configuration = configuration
        self.path = path
        self.identity = FileIdentity(path)
    }

    /// A store on the file `path` names now, when that is no longer the file this store opened.
    ///
    /// An export job that writes a new file and renames it over the old one, or deletes it, leaves
    /// an open connection reading the old inode; the daemon checks this before each tick.
    public func reopenedIfReplaced() throws -> (any CustomerStore)? {
        guard let now = FileIdentity(path) else { throw StoreError.missing(path) }
        return now == identity ? nil : try SQLiteCustomerStore(path: path)
    }

    public func dataVersion() throws -> DataVersion? {
        // Always on `queue`: `PRAGMA data_version` is a connection's own count.
        do { return try queue.read { db in try DataVersion.sqlite(db, path: path, contents: true) } } catch { throw StoreError.unreadable(path, error) }
    }

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
    /// The `inactive` narrowing (``InactiveCandidates``): the customer is of the tier (or has a
    /// tier no text comparison can judge: a number or a blob), found through `customers_tier`
    /// once per query; or the customer's amounts sum to at least the floor, or one of them is no
    /// finite number (the rule then reports the spend unknown), read from the index that also
    /// answers `NOT EXISTS`. Three searches rather than one `OR`, for which SQLite scans the index.
    static let tierCandidateSQL = """
        CAST(p.customer_id AS TEXT) IN (SELECT CAST(id AS TEXT) FROM customers WHERE tier = ?
          UNION ALL SELECT CAST(id AS TEXT) FROM customers WHERE tier < ''
          UNION ALL SELECT CAST(id AS TEXT) FROM customers WHERE tier >= x'')
        """
    static let spendCandidateSQL = """
        (SELECT total(amount) >= ? OR max(typeof(amount) NOT IN ('integer', 'real', 'null') OR abs(amount) > 1.7976931348623157e308)
         FROM purchases q WHERE q.customer_id = p.customer_id)
        """
    static let unresolvedSQL = "SELECT * FROM tickets WHERE status IN ('open', 'pending') AND julianday(updated_at) BETWEEN ? AND ?"
    static let solvedSQL = "SELECT * FROM tickets WHERE status IN ('solved', 'closed') AND julianday(solved_at) BETWEEN ? AND ?"
    /// Every amount rather than `SUM(amount)`: SQLite sums text such as `'abc'` as 0, which would hide it.
    /// Without `id`, so that the `(customer_id, …, amount)` index answers alone.
    static let spendSQL = "SELECT customer_id, amount FROM purchases WHERE customer_id IN "
    /// The same with each row's `id`, to name the rows whose amount is no number.
    static let spendRowsSQL = "SELECT id, customer_id, amount FROM purchases WHERE customer_id IN "
    /// Tickets that are not solved or closed: open or pending, or in a status nobody knows, which may be open too.
    static let openTicketsSQL = "SELECT id, customer_id, status FROM tickets WHERE (status IS NULL OR status NOT IN ('solved', 'closed')) AND customer_id IN "

    public func customers(birthdayMonthDays monthDays: Set<String>?, customerID: String?) throws -> StoreRows<[Customer]> {
        guard let monthDays else {
            guard let customerID else { return StoreRows([]) }
            return try screened("SELECT * FROM customers WHERE id = ?", [customerID], table: "customers", { $0.customer() })
        }
        guard !monthDays.isEmpty else { return StoreRows([]) }
        let days = monthDays.sorted()
        var sql = Self.birthdaySQL + sqlList(days.count)
        var arguments = StatementArguments(days)
        if let customerID { sql += " AND id = ?"; arguments += [customerID] }
        return try screened(sql, arguments, table: "customers", { $0.customer() })
    }

    public func customers(ids: [String]) throws -> StoreRows<[String: Customer]> {
        let found = try screened(ids, table: "customers", { "SELECT * FROM customers WHERE id IN " + sqlList($0) }, { $0.customer() })
        return StoreRows(Dictionary(found.rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), rejected: found.rejected)
    }

    public func purchases(madeIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Purchase]> {
        try fetch(Self.purchasesSQL, range, customerID: customerID, column: "customer_id", table: "purchases", { $0.purchase() })
    }

    public func latestPurchases(madeIn range: ClosedRange<Date>, customerID: String?, candidates: InactiveCandidates?) throws -> StoreRows<[Purchase]> {
        var sql = Self.latestPurchasesSQL
        var arguments: StatementArguments = []
        if let candidates, candidates.tierComparesAsBytes || candidates.tier == nil {
            var either: [String] = []
            if let tier = candidates.tier { either.append(Self.tierCandidateSQL); arguments += [tier] }
            if let floor = candidates.spendFloor { either.append(Self.spendCandidateSQL); arguments += [floor] }
            if !either.isEmpty { sql += " AND (" + either.joined(separator: " OR ") + ")" }
        }
        return try fetch(sql, range, customerID: customerID, column: "p.customer_id", table: "purchases", more: arguments, { $0.purchase() })
    }

    public func lifetimeSpend(customerIDs ids: [String]) throws -> StoreRows<[String: Double]> {
        func amounts(_ sql: String, _ ids: [String]) throws -> StoreRows<[(customerID: String, amount: Double?)]> {
            try screened(ids, table: "purchases", { sql + sqlList($0) }) { r in (customerID: r.id("customer_id") ?? "", amount: r.number("amount")) }
        }
        var found = try amounts(Self.spendSQL, ids)
        guard !found.rejected.isEmpty else { return found.totals }
        // Some amount is no number (rare): read those customers' rows again with their ids, to name them.
        let unknown = Set(found.rejected.compactMap(\.customerID))
        let named = try amounts(Self.spendRowsSQL, ids.filter { unknown.contains($0) })
        found.rows.removeAll { unknown.contains($0.customerID) }
        found.rows += named.rows
        found.rejected = named.rejected
        return found.totals
    }

    public func unresolvedTickets(updatedIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Ticket]> {
        try fetch(Self.unresolvedSQL, range, customerID: customerID, column: "customer_id", table: "tickets", { $0.ticket() })
    }

    public func solvedTickets(solvedIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Ticket]> {
        try fetch(Self.solvedSQL, range, customerID: customerID, column: "customer_id", table: "tickets", { $0.ticket() })
    }

    public func customersWithUnresolvedTickets(among ids: [String]) throws -> StoreRows<Set<String>> {
        let open = try screened(ids, table: "tickets", { Self.openTicketsSQL + sqlList($0) }) { r in (r.id("customer_id") ?? "", r.status("status")) }
        return StoreRows(Set(open.rows.map(\.0)), rejected: open.rejected)
    }

    // MARK: Plumbing

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            let connection = try takeReader()
            defer { giveBack(connection) }
            return try connection.read(body)
        } catch {
            throw StoreError.unreadable(path, error)
        }
    }

    /// ``queue`` when no read is using it, else a spare connection (opened when there is none).
    private func takeReader() throws -> DatabaseQueue {
        let taken = readers.withLock { state -> DatabaseQueue? in
            if !state.queueBusy { state.queueBusy = true; return queue }
            return state.spare.popLast()
        }
        return try taken ?? DatabaseQueue(path: path, configuration: configuration)
    }

    private func giveBack(_ connection: DatabaseQueue) {
        readers.withLock { state in
            if connection === queue { state.queueBusy = false } else { state.spare.append(connection) }
        }
    }

    private func fetch<T>(_ sql: String, _ range: ClosedRange<Date>, customerID: String?, column: String, table: String,
                          more: StatementArguments = [], _ decode: (inout StoreRowReader) -> T) throws -> StoreRows<[T]> {
        var sql = sql
        var arguments: StatementArguments = [Timestamp.julianDay(range.lowerBound), Timestamp.julianDay(range.upperBound)] + more
        if let customerID { sql += " AND \(column) = ?"; arguments += [customerID] }
        return try screened(sql, arguments, table: table, decode)
    }

    /// Runs `sql` and reads each row through `decode`: rows read whole are kept, the others rejected with why.
    private func screened<T>(_ sql: String, _ arguments: StatementArguments, table: String,
                             _ decode: (inout StoreRowReader) -> T) throws -> StoreRows<[T]> {
        try read { db in
            var result = StoreRows<[T]>([])
            try Self.screen(db, sql, arguments, table: table, into: &result, decode)
            return result
        }
    }

    /// The same for a list of ids, in chunks of 500 (SQLite's limit on parameters); `sql` makes the query for a chunk's size.
    private func screened<T>(_ ids: [String], table: String, _ sql: (Int) -> String,
                             _ decode: (inout StoreRowReader) -> T) throws -> StoreRows<[T]> {
        try read { db in
            var result = StoreRows<[T]>([])
            for chunk in ids.chunked(500) {
                try Self.screen(db, sql(chunk.count), StatementArguments(chunk), table: table, into: &result, decode)
            }
            return result
        }
    }

    private static func screen<T>(_ db: Database, _ sql: String, _ arguments: StatementArguments, table: String,
                                  into result: inout StoreRows<[T]>, _ decode: (inout StoreRowReader) -> T) throws {
        // Cached: the chunks of an id list share one SQL text. Read in place: only a live
        // statement gives the reader SQLite's own bytes.
        let statement = try db.cachedStatement(sql: sql)
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        let cells = SQLiteStatementRow(statement)
        while try rows.next() != nil { result.read(cells, table: table, decode) }
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
