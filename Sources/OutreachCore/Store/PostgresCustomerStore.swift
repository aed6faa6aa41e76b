import Foundation
import GRDB
import PostgresNIO

/// The customer store in PostgreSQL: the business's own `customers`, `purchases` and `tickets`
/// tables or views, typed as the business types them, only ever read.
///
/// At open the column types are read from the catalog and every tick query is written for them
/// (``PostgresStoreQueries``), so each is an index search whatever the types. Rows are read as
/// SQLite rows are (``StoreRowReader``): both stores accept and refuse the same values.
public final class PostgresCustomerStore: CustomerStore, Sendable {
    public let pool: PostgresPool
    let schema: PostgresStoreSchema
    let queries: PostgresStoreQueries
    /// What keeps the tables from serving a tick (missing tables or columns, unusable types); empty when usable.
    public let problems: [String]

    /// Connects and reads the column types.
    ///
    /// - Parameter requireUsable: throw when ``problems`` is not empty (every command but `check`,
    ///   which reports the problems itself).
    public init(settings: PostgresSettings, requireUsable: Bool = true) throws(PostgresError) {
        var settings = settings
        // Read-only sessions: a write by mistake fails instead of touching the business's data.
        settings.sessionParameters.append(("default_transaction_read_only", "on"))
        pool = try PostgresPool(settings)
        let rows = try pool.rows(PostgresQuery(unsafeSQL: PostgresStoreSchema.catalogSQL))
        var catalog: [(relation: String, relkind: String, column: String, type: String)] = []
        for row in rows {
            let cells = PostgresStoreRow(row)
            catalog.append((cells.text("relation") ?? "", cells.text("relkind") ?? "", cells.text("column") ?? "", cells.text("type") ?? ""))
        }
        schema = PostgresStoreSchema(catalog: catalog)
        queries = PostgresStoreQueries(schema: schema)
        problems = schema.problems()
        if requireUsable, !problems.isEmpty {
            let reason = problems.joined(separator: "; ")
            if problems.contains(where: { $0.hasPrefix("no table") }) { throw .missingTable(settings.url, reason) }
            if problems.contains(where: { $0.contains(" has no column") }) { throw .missingColumn(settings.url, reason) }
            throw .columnType(settings.url, reason)
        }
    }

    /// Closes the pool's connections.
    public func close() { pool.close() }

    // MARK: CustomerStore

    public func customers(birthdayMonthDays monthDays: Set<String>?, customerID: String?) throws -> StoreRows<[Customer]> {
        if let customerID, queries.usable([customerID], "customers", "id").isEmpty { return StoreRows([]) }
        guard let monthDays else {
            guard let customerID else { return StoreRows([]) }
            return screen(try rows(queries.customer(id: customerID)), table: "customers") { $0.customer() }
        }
        guard !monthDays.isEmpty else { return StoreRows([]) }
        return screen(try rows(queries.customers(birthdayMonthDays: monthDays.sorted(), customerID: customerID)), table: "customers") { $0.customer() }
    }

    public func customers(ids: [String]) throws -> StoreRows<[String: Customer]> {
        var found = StoreRows<[Customer]>([])
        for chunk in queries.usable(ids, "customers", "id").chunked(5000) {
            let part = screen(try rows(queries.customers(ids: Array(chunk))), table: "customers") { $0.customer() }
            found.rows += part.rows
            found.rejected += part.rejected
        }
        return StoreRows(Dictionary(found.rows.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), rejected: found.rejected)
    }

    public func purchases(madeIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Purchase]> {
        if let customerID, queries.usable([customerID], "purchases", "customer_id").isEmpty { return StoreRows([]) }
        let found = try rows(queries.purchases(madeIn: range, customerID: customerID), table: "purchases", column: "purchased_at", range: range)
        return screen(found, table: "purchases") { $0.purchase() }
    }

    /// Every last purchase in `range`: `candidates` narrows nothing here (a superset is allowed;
    /// the rule judges each row).
    public func latestPurchases(madeIn range: ClosedRange<Date>, customerID: String?, candidates: InactiveCandidates?) throws -> StoreRows<[Purchase]> {
        if let customerID, queries.usable([customerID], "purchases", "customer_id").isEmpty { return StoreRows([]) }
        guard schema.kind("purchases", "purchased_at") != .timestamptz else {
            return screen(try rows(queries.latestPurchases(madeIn: range, customerID: customerID)), table: "purchases") { $0.purchase() }
        }
        // ISO text: which purchase is later is a question of instants, so it is answered here, from
        // every purchase of the candidates' customers that can be later than the range's start.
        let candidates = try rows(queries.purchases(madeIn: range, customerID: customerID), table: "purchases", column: "purchased_at", range: range)
        let customers = Array(Set(candidates.compactMap { $0.text("customer_id") }))
        var latest: [String: Date] = [:]
        for chunk in customers.chunked(5000) {
            for row in try rows(queries.laterPurchases(customerIDs: Array(chunk), from: TextTimeRange(range).lowerDate)) {
                guard let customer = row.text("customer_id"), let instant = row.text("purchased_at").flatMap(Timestamp.parse) else { continue }
                latest[customer] = max(latest[customer] ?? instant, instant)
            }
        }
        let kept = candidates.filter { row in
            // A time that is no instant is never later or earlier (as in SQLite); the rule says why it cannot use it.
            guard let instant = row.text("purchased_at").flatMap(Timestamp.parse), let customer = row.text("customer_id") else { return true }
            return instant >= (latest[customer] ?? instant)
        }
        return screen(kept, table: "purchases") { $0.purchase() }
    }

    public func lifetimeSpend(customerIDs ids: [String]) throws -> StoreRows<[String: Double]> {
        var amounts = StoreRows<[(customerID: String, amount: Double?)]>([])
        for chunk in queries.usable(ids, "purchases", "customer_id").chunked(5000) {
            let part = screen(try rows(queries.amounts(customerIDs: Array(chunk))), table: "purchases") { r in
                (customerID: r.id("customer_id") ?? "", amount: r.number("amount"))
            }
            amounts.rows += part.rows
            amounts.rejected += part.rejected
        }
        return amounts.totals
    }

    public func unresolvedTickets(updatedIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Ticket]> {
        if let customerID, queries.usable([customerID], "tickets", "customer_id").isEmpty { return StoreRows([]) }
        let found = try rows(queries.tickets([.open, .pending], column: "updated_at", in: range, customerID: customerID), table: "tickets", column: "updated_at", range: range)
        return screen(found, table: "tickets") { $0.ticket() }
    }

    public func solvedTickets(solvedIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Ticket]> {
        if let customerID, queries.usable([customerID], "tickets", "customer_id").isEmpty { return StoreRows([]) }
        let found = try rows(queries.tickets([.solved, .closed], column: "solved_at", in: range, customerID: customerID), table: "tickets", column: "solved_at", range: range)
        return screen(found, table: "tickets") { $0.ticket() }
    }

    public func customersWithUnresolvedTickets(among ids: [String]) throws -> StoreRows<Set<String>> {
        var open = StoreRows<Set<String>>([])
        for chunk in queries.usable(ids, "tickets", "customer_id").chunked(5000) {
            let part = screen(try rows(queries.openTickets(customerIDs: Array(chunk))), table: "tickets") { r in (r.id("customer_id") ?? "", r.status("status")) }
            open.rows.formUnion(part.rows.map(\.0))
            open.rejected += part.rejected
        }
        return open
    }

    /// The same database whatever happens to it: a restarted server is reconnected by the pool.
    public func reopenedIfReplaced() throws -> (any CustomerStore)? { nil }

    /// Views over the business's tables change with no cheap sign: every tick evaluates everything.
    public func dataVersion() throws -> DataVersion? { nil }

    public func unreadableRows(customerID: String?, limit: Int) throws -> [UnreadableRow] {
        var found: [UnreadableRow] = []
        for probe in queries.probes {
            if let customerID, queries.usable([customerID], probe.table, "customer_id").isEmpty { continue }
            for row in try rows(queries.probe(probe, customerID: customerID, limit: limit)) {
                let reader = StoreRowReader(row, table: probe.table)
                found.append(UnreadableRow(table: probe.table, id: reader.shown("id"), customerID: reader.shown("customer_id"),
                                           column: probe.column, problem: probe.problem(reader.stored(probe.column))))
            }
        }
        return found
    }

    // MARK: Plumbing

    /// The rows of `planned`, as cells.
    func rows(_ planned: PostgresStoreQueries.Planned) throws(PostgresError) -> [PostgresStoreRow] {
        try pool.rows(planned.query).map(PostgresStoreRow.init)
    }

    /// The rows of `planned` that belong to `range` on `column`: all of them for a `timestamptz`,
    /// whose query ranges exactly; for ISO text, those ``TextTimeRange/admits(_:)`` keeps.
    private func rows(_ planned: PostgresStoreQueries.Planned, table: String, column: String, range: ClosedRange<Date>) throws(PostgresError) -> [PostgresStoreRow] {
        let found = try rows(planned)
        guard schema.kind(table, column) != .timestamptz else { return found }
        let text = TextTimeRange(range)
        return found.filter { $0.text(column).map(text.admits) ?? false }
    }

    /// Reads each row through `decode`: rows read whole are kept, the others rejected with why.
    private func screen<T>(_ rows: [PostgresStoreRow], table: String, _ decode: (inout StoreRowReader) -> T) -> StoreRows<[T]> {
        var result = StoreRows<[T]>([])
        for row in rows { result.read(row, table: table, decode) }
        return result
    }
}

/// One row of a PostgreSQL store query: each cell's bytes as the server sent them (every query
/// selects canonical text), absent for NULL.
struct PostgresStoreRow: StoreRowCells, Sendable {
    var cells: [String: [UInt8]]

    init(_ row: PostgresRow) {
        var cells: [String: [UInt8]] = [:]
        for cell in row {
            if let bytes = cell.bytes { cells[cell.columnName] = Array(bytes.readableBytesView) }
        }
        self.cells = cells
    }

    /// Text as a SQLite text cell reads: UTF-8, or its bytes when it is not.
    func cell(_ column: String) -> StoreCell {
        guard let bytes = cells[column] else { return .null }
        return String(validating: bytes, as: UTF8.self).map { .text($0) } ?? .malformedText(bytes)
    }

    /// The cell as text, `nil` for NULL.
    func text(_ column: String) -> String? {
        cells[column].map { String(decoding: $0, as: UTF8.self) }
    }
}
