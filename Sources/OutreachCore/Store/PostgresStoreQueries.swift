import Foundation
import PostgresNIO

/// The tick's queries for one PostgreSQL store, written for the column types found at open so
/// that each is an index search, and the index each needs (for `check`).
///
/// Every cell is selected as canonical text, `to_json(col) #>> '{}'`: ISO 8601 for a
/// `timestamptz` (with `+00:00`, the session being in UTC), `true`/`false` for a boolean, `12.50`
/// for a numeric, a date as `YYYY-MM-DD`, text as it is. The rows are then read exactly as SQLite
/// rows are (``StoreRowReader``), so both stores accept and refuse the same values.
///
/// - A `timestamptz` is ranged as an instant: `col BETWEEN $1 AND $2`, on an index of `col`.
/// - ISO text carries its own offset, so its text order is not time order: the query ranges its
///   date prefix, `col COLLATE "C"` from the UTC date 19 hours (the largest offset ISO 8601
///   allows, and more) before the range to the day after the one 19 hours after it, and the
///   store keeps the rows whose instant is in the range (``TextTimeRange``).
/// - A `date` birthday is found by `EXTRACT(MONTH …) * 100 + EXTRACT(DAY …)` (immutable, so
///   indexable); text by `right(birthday, 5)`, the `MM-DD` of both `YYYY-MM-DD` and `--MM-DD`.
struct PostgresStoreQueries: Sendable {
    let schema: PostgresStoreSchema

    /// One index a query needs.
    struct Index: Sendable, Hashable {
        var name: String
        var table: String
        /// What follows `ON table`.
        var definition: String
        var purpose: String

        var statement: String { "CREATE INDEX \(name) ON \(table) \(definition)" }
    }

    /// One parameter value.
    enum Bind: Sendable {
        case text(String)
        case texts([String])
        case instant(Date)
        case integers([Int])
    }

    /// A query ready to run, with the index it relies on.
    struct Planned: Sendable {
        var sql: String
        var binds: [Bind]
        var index: Index

        var query: PostgresQuery {
            var bindings = PostgresBindings()
            for bind in binds {
                switch bind {
                case .text(let s): bindings.append(s)
                case .texts(let a): bindings.append(a)
                case .instant(let d): bindings.append(d)
                case .integers(let a): bindings.append(a)
                }
            }
            return PostgresQuery(unsafeSQL: sql, binds: bindings)
        }
    }

    /// Rows of a text date column that no query can range because their first ten characters are no date.
    static let datePrefixPattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}"

    // MARK: Building blocks

    func kind(_ table: String, _ column: String) -> PostgresStoreSchema.Kind { schema.kind(table, column) }

    /// `to_json(col) #>> '{}' AS col, …` for `columns` of `table` (all the contract's columns by default).
    func select(_ table: String, _ columns: [String]? = nil, alias: String? = nil) -> String {
        let prefix = alias.map { $0 + "." } ?? ""
        return (columns ?? StoreSchema.requiredColumns[table] ?? []).map { "to_json(\(prefix)\($0)) #>> '{}' AS \($0)" }.joined(separator: ", ")
    }

    /// The SQL type an id column is compared in, for casting text parameters; `nil` for text.
    private func idType(_ table: String, _ column: String) -> String? {
        switch kind(table, column) {
        case .integer: return "bigint"
        case .uuid: return "uuid"
        default: return nil
        }
    }

    /// Parameter `n` (text) as a value of `table.column`.
    func id(_ n: Int, _ table: String, _ column: String) -> String {
        idType(table, column).map { "CAST($\(n) AS \($0))" } ?? "$\(n)"
    }

    /// Parameter `n` (a text array) as an array of `table.column`'s type.
    func ids(_ n: Int, _ table: String, _ column: String) -> String {
        idType(table, column).map { "CAST($\(n) AS \($0)[])" } ?? "CAST($\(n) AS text[])"
    }

    /// The ids of `ids` that `table.column` can hold (an integer column cannot hold `GHOST`, and asking would be an error).
    func usable(_ ids: [String], _ table: String, _ column: String) -> [String] {
        switch kind(table, column) {
        case .integer: return ids.filter { Int64($0) != nil }
        case .uuid: return ids.filter { UUID(uuidString: $0) != nil }
        default: return ids
        }
    }

    /// `AND alias.column = $n` for one customer, or nothing.
    private func narrowed(_ customerID: String?, _ n: Int, _ table: String, column: String = "customer_id", alias: String? = nil) -> (String, [Bind]) {
        guard let customerID else { return ("", []) }
        return (" AND \(alias.map { $0 + "." } ?? "")\(column) = \(id(n, table, column))", [.text(customerID)])
    }

    /// The SQL condition and binds for `range` on `table.column`, by its type.
    private func timeRange(_ table: String, _ column: String, _ range: ClosedRange<Date>, alias: String? = nil) -> (String, [Bind]) {
        let c = (alias.map { $0 + "." } ?? "") + column
        if kind(table, column) == .timestamptz {
            return ("\(c) BETWEEN $1 AND $2", [.instant(range.lowerBound), .instant(range.upperBound)])
        }
        let text = TextTimeRange(range)
        return ("\(c) COLLATE \"C\" >= $1 AND \(c) COLLATE \"C\" < $2", [.text(text.lowerDate), .text(text.upperDateExclusive)])
    }

    /// A time column's index expression: the column, or its bytes' order for ISO text.
    private func timeKey(_ table: String, _ column: String) -> String {
        kind(table, column) == .timestamptz ? column : "\(column) COLLATE \"C\""
    }

    // MARK: Indexes

    var birthdayIndex: Index {
        let key = kind("customers", "birthday") == .date ? "((EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday)))" : "(right(birthday, 5))"
        return Index(name: "customers_birthday_month_day", table: "customers", definition: "(\(key))", purpose: "birthday candidates by month-day")
    }
    var customerIDIndex: Index {
        Index(name: "customers_id", table: "customers", definition: "(id)", purpose: "customers by id (normally the primary key)")
    }
    // The candidate indexes INCLUDE the rest of their rows' columns, as on SQLite (``StoreSchema/indexes``):
    // a tick's candidates are tens of thousands of rows scattered over the table, which an index-only
    // scan reads side by side instead.
    var purchasedAtIndex: Index {
        Index(name: "purchases_purchased_at", table: "purchases",
              definition: "(\(timeKey("purchases", "purchased_at"))) INCLUDE (customer_id, id, amount, currency, item)",
              purpose: "post_purchase and inactive candidates by purchase time")
    }
    var customerPurchasedAtIndex: Index {
        Index(name: "purchases_customer_purchased_at", table: "purchases", definition: "(customer_id, \(timeKey("purchases", "purchased_at"))) INCLUDE (amount)",
              purpose: "a customer's latest purchase and lifetime spend")
    }
    func ticketTimeIndex(_ column: String) -> Index {
        let other = column == "updated_at" ? "solved_at" : "updated_at"
        return Index(name: "tickets_status_\(column)", table: "tickets",
                     definition: "(status, \(timeKey("tickets", column))) INCLUDE (customer_id, id, subject, opened_at, \(other))",
                     purpose: column == "updated_at" ? "unresolved_ticket candidates" : "satisfaction_survey candidates")
    }
    var ticketCustomerIndex: Index {
        Index(name: "tickets_customer_status", table: "tickets", definition: "(customer_id, status)", purpose: "skip_if_open_ticket")
    }
    /// The small partial index that finds rows of a text time column whose text starts with no date.
    func undatedIndex(_ table: String, _ column: String, key: String) -> Index {
        Index(name: "\(table)_\(column)_undated", table: table, definition: "(\(key)) WHERE (\(column) ~ '\(Self.datePrefixPattern)') IS NOT TRUE",
              purpose: "rows whose \(column) is no date (for explain and the log)")
    }

    // MARK: The tick's queries

    func customers(birthdayMonthDays days: [String], customerID: String?) -> Planned {
        var sql = "SELECT \(select("customers")) FROM customers WHERE "
        var binds: [Bind]
        if kind("customers", "birthday") == .date {
            sql += "(EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday)) = ANY(CAST($1 AS integer[]))"
            binds = [.integers(days.compactMap { Int($0.replacingOccurrences(of: "-", with: "")) })]
        } else {
            sql += "right(birthday, 5) = ANY(CAST($1 AS text[]))"
            binds = [.texts(days)]
        }
        let (narrow, more) = narrowed(customerID, 2, "customers", column: "id")
        binds += more
        return Planned(sql: sql + narrow, binds: binds, index: birthdayIndex)
    }

    func customer(id: String) -> Planned {
        Planned(sql: "SELECT \(select("customers")) FROM customers WHERE id = \(self.id(1, "customers", "id"))", binds: [.text(id)], index: customerIDIndex)
    }

    func customers(ids: [String]) -> Planned {
        Planned(sql: "SELECT \(select("customers")) FROM customers WHERE id = ANY(\(self.ids(1, "customers", "id")))", binds: [.texts(ids)], index: customerIDIndex)
    }

    func purchases(madeIn range: ClosedRange<Date>, customerID: String?) -> Planned {
        let (condition, binds) = timeRange("purchases", "purchased_at", range)
        let (narrow, more) = narrowed(customerID, 3, "purchases")
        return Planned(sql: "SELECT \(select("purchases")) FROM purchases WHERE \(condition)\(narrow)", binds: binds + more, index: purchasedAtIndex)
    }

    /// For `timestamptz`: the purchases in range with no later one of the same customer, in one query.
    /// (Text times are compared in Swift: see ``laterPurchases(customerIDs:from:)``.)
    func latestPurchases(madeIn range: ClosedRange<Date>, customerID: String?) -> Planned {
        let (condition, binds) = timeRange("purchases", "purchased_at", range, alias: "p")
        let (narrow, more) = narrowed(customerID, 3, "purchases", alias: "p")
        let sql = "SELECT \(select("purchases", alias: "p")) FROM purchases p WHERE \(condition)\(narrow) "
            + "AND NOT EXISTS (SELECT 1 FROM purchases q WHERE q.customer_id = p.customer_id AND q.purchased_at > p.purchased_at)"
        return Planned(sql: sql, binds: binds + more, index: customerPurchasedAtIndex)
    }

    /// For ISO text: every purchase of `ids` whose text is on or after `lowerDate`, which holds
    /// every purchase later than one made at or after the instant the date was widened from.
    func laterPurchases(customerIDs ids: [String], from lowerDate: String) -> Planned {
        let sql = "SELECT \(select("purchases", ["id", "customer_id", "purchased_at"])) FROM purchases "
            + "WHERE customer_id = ANY(\(self.ids(1, "purchases", "customer_id"))) AND purchased_at COLLATE \"C\" >= $2"
        return Planned(sql: sql, binds: [.texts(ids), .text(lowerDate)], index: customerPurchasedAtIndex)
    }

    func amounts(customerIDs ids: [String]) -> Planned {
        let sql = "SELECT \(select("purchases", ["id", "customer_id", "amount"])) FROM purchases WHERE customer_id = ANY(\(self.ids(1, "purchases", "customer_id")))"
        return Planned(sql: sql, binds: [.texts(ids)], index: customerPurchasedAtIndex)
    }

    func tickets(_ statuses: [Ticket.Status], column: String, in range: ClosedRange<Date>, customerID: String?) -> Planned {
        let (condition, binds) = timeRange("tickets", column, range)
        let (narrow, more) = narrowed(customerID, 3, "tickets")
        let list = statuses.map { "'\($0.rawValue)'" }.joined(separator: ", ")
        return Planned(sql: "SELECT \(select("tickets")) FROM tickets WHERE status IN (\(list)) AND \(condition)\(narrow)", binds: binds + more,
                       index: ticketTimeIndex(column))
    }

    /// Tickets that are not solved or closed: open or pending, or in a status nobody knows, which may be open too.
    func openTickets(customerIDs ids: [String]) -> Planned {
        let sql = "SELECT \(select("tickets", ["id", "customer_id", "status"])) FROM tickets "
            + "WHERE (status IS NULL OR status NOT IN ('solved', 'closed')) AND customer_id = ANY(\(self.ids(1, "tickets", "customer_id")))"
        return Planned(sql: sql, binds: [.texts(ids)], index: ticketCustomerIndex)
    }

    // MARK: Rows no tick query can fetch

    /// A query for rows whose very column a tick query ranges on or selects by is bad.
    struct Probe: Sendable {
        var table: String
        var column: String
        /// Conditions, each one index search; the probe is their `UNION ALL`.
        var arms: [String]
        var index: Index
        var problem: @Sendable (StoredValue) -> UnreadableRow.Problem
    }

    /// Time columns no range finds (NULL, or text that starts with no date) and ticket statuses
    /// outside the four, found as the gaps between them (ranges on the status index; `NOT IN` would read every ticket).
    var probes: [Probe] {
        func time(_ table: String, _ column: String, statuses: String?, index: Index, key: String) -> Probe {
            let status = statuses.map { "status IN (\($0)) AND " } ?? ""
            if kind(table, column) == .timestamptz {
                return Probe(table: table, column: column, arms: ["\(status)\(column) IS NULL"], index: index, problem: { .notATimestamp($0) })
            }
            return Probe(table: table, column: column, arms: ["\(status)(\(column) ~ '\(Self.datePrefixPattern)') IS NOT TRUE"],
                         index: undatedIndex(table, column, key: key), problem: { .notATimestamp($0) })
        }
        let gaps = ["status < 'closed'", "status > 'closed' AND status < 'open'", "status > 'open' AND status < 'pending'",
                    "status > 'pending' AND status < 'solved'", "status > 'solved'", "status IS NULL"]
        return [
            time("purchases", "purchased_at", statuses: nil, index: purchasedAtIndex, key: "customer_id"),
            time("tickets", "updated_at", statuses: "'open', 'pending'", index: ticketTimeIndex("updated_at"), key: "status"),
            time("tickets", "solved_at", statuses: "'solved', 'closed'", index: ticketTimeIndex("solved_at"), key: "status"),
            Probe(table: "tickets", column: "status", arms: gaps, index: ticketTimeIndex("updated_at"), problem: { .unknownStatus($0) }),
        ]
    }

    func probe(_ probe: Probe, customerID: String?, limit: Int) -> Planned {
        let columns = select(probe.table, ["id", "customer_id", probe.column])
        let narrow = customerID == nil ? "" : " AND customer_id = \(id(1, probe.table, "customer_id"))"
        let sql = probe.arms.map { "SELECT \(columns) FROM \(probe.table) WHERE \($0)\(narrow)" }.joined(separator: " UNION ALL ") + " LIMIT \(limit)"
        return Planned(sql: sql, binds: customerID.map { [.text($0)] } ?? [], index: probe.index)
    }

    // MARK: For check

    /// Every tick query with sample arguments, then the probes: what `check` explains.
    var planned: [Planned] {
        let range = Date(timeIntervalSince1970: 1_795_000_000)...Date(timeIntervalSince1970: 1_795_090_000)
        func samples(_ table: String, _ column: String) -> [String] {
            switch kind(table, column) {
            case .integer: return ["1", "2"]
            case .uuid: return ["6f1f8e1c-1b8e-4a36-9d4b-3f4d2f0e8a11", "0b3a5f2e-7c1d-4e9a-8f6b-2d5c4e3b1a09"]
            default: return ["C1", "C2"]
            }
        }
        var queries = [
            customers(birthdayMonthDays: ["11-22", "11-23", "11-24"], customerID: nil),
            customers(ids: samples("customers", "id")),
            purchases(madeIn: range, customerID: nil),
        ]
        if kind("purchases", "purchased_at") == .timestamptz {
            queries.append(latestPurchases(madeIn: range, customerID: nil))
        } else {
            queries.append(laterPurchases(customerIDs: samples("purchases", "customer_id"), from: TextTimeRange(range).lowerDate))
        }
        queries += [
            amounts(customerIDs: samples("purchases", "customer_id")),
            tickets([.open, .pending], column: "updated_at", in: range, customerID: nil),
            tickets([.solved, .closed], column: "solved_at", in: range, customerID: nil),
            openTickets(customerIDs: samples("tickets", "customer_id")),
        ]
        return queries + probes.map { probe($0, customerID: nil, limit: 100) }
    }
}

/// A range of instants asked of an ISO text column: the date-prefix bounds for the query, and
/// the exact test for each row it returns.
struct TextTimeRange: Sendable {
    let range: ClosedRange<Date>
    /// The UTC date 19 hours before the range: no offset moves a local date further.
    let lowerDate: String
    /// The day after the UTC date 19 hours after the range.
    let upperDateExclusive: String

    init(_ range: ClosedRange<Date>) {
        self.range = range
        let utc = TimeZone(identifier: "UTC")!
        lowerDate = CivilDate(range.lowerBound.addingTimeInterval(-19 * 3600), in: utc).description
        upperDateExclusive = CivilDate(range.upperBound.addingTimeInterval(19 * 3600), in: utc).adding(days: 1).description
    }

    /// Whether a row with `text` belongs to the range: its instant is in it; or, when it is no
    /// instant but starts with a date, that date is a UTC date of the range (as SQLite reads a
    /// time without an offset as UTC), so the rule sees the row and says why it cannot use it.
    func admits(_ text: String) -> Bool {
        if let instant = Timestamp.parse(text) { return range.contains(instant) }
        let prefix = String(text.prefix(10))
        guard prefix.range(of: #"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"#, options: .regularExpression) != nil else { return false }
        let utc = TimeZone(identifier: "UTC")!
        return prefix >= CivilDate(range.lowerBound, in: utc).description && prefix <= CivilDate(range.upperBound, in: utc).description
    }
}
