import GRDB

extension SQLiteCustomerStore {
    /// A query for rows no tick query can fetch, because the very column it selects or ranges on is bad.
    struct Probe: Sendable {
        var table: String
        var column: String
        /// `SELECT id, customer_id, <column> FROM <table> WHERE …`, each arm of a `UNION ALL` one index search.
        var arms: [String]
        var problem: @Sendable (StoredValue) -> UnreadableRow.Problem

        /// The SQL, narrowed to one customer when `customer` (then with one `?` per arm).
        func sql(customer: Bool, limit: Int) -> String {
            arms.map { "SELECT id, customer_id, \(column) FROM \(table) WHERE \($0)" + (customer ? " AND customer_id = ?" : "") }
                .joined(separator: " UNION ALL ") + " LIMIT \(limit)"
        }
    }

    /// Dates the store cannot read (no range finds them), and ticket statuses outside the four
    /// (`status IN (…)` never fetches them).
    ///
    /// Statuses are found as the gaps between the four values, each a range search on a
    /// `(status, …)` index, since `NOT IN` would read every ticket. `status IS NULL` is asked
    /// only where the column allows NULL: on a `NOT NULL` column SQLite answers it with a scan.
    static func probes(statusMayBeNull: Bool) -> [Probe] {
        var gaps = ["status < 'closed'", "status > 'closed' AND status < 'open'", "status > 'open' AND status < 'pending'",
                    "status > 'pending' AND status < 'solved'", "status > 'solved'"]
        if statusMayBeNull { gaps.append("status IS NULL") }
        return [
            Probe(table: "purchases", column: "purchased_at", arms: ["julianday(purchased_at) IS NULL"], problem: { .notATimestamp($0) }),
            Probe(table: "tickets", column: "updated_at", arms: ["status IN ('open', 'pending') AND julianday(updated_at) IS NULL"],
                  problem: { .notATimestamp($0) }),
            Probe(table: "tickets", column: "solved_at", arms: ["status IN ('solved', 'closed') AND julianday(solved_at) IS NULL"],
                  problem: { .notATimestamp($0) }),
            Probe(table: "tickets", column: "status", arms: gaps, problem: { .unknownStatus($0) }),
        ]
    }

    public func unreadableRows(customerID: String?, limit: Int) throws -> [UnreadableRow] {
        try read { db in
            let statusMayBeNull = try db.columns(in: "tickets").contains { $0.name.lowercased() == "status" && !$0.isNotNull }
            var rows: [UnreadableRow] = []
            for probe in Self.probes(statusMayBeNull: statusMayBeNull) {
                let arguments = StatementArguments(Array(repeating: customerID, count: customerID == nil ? 0 : probe.arms.count))
                let cursor = try Row.fetchCursor(db, sql: probe.sql(customer: customerID != nil, limit: limit), arguments: arguments)
                while let row = try cursor.next() {
                    let reader = StoreRowReader(row, table: probe.table)
                    rows.append(UnreadableRow(table: probe.table, id: reader.shown("id"), customerID: reader.shown("customer_id"),
                                              column: probe.column, problem: probe.problem(reader.stored(probe.column))))
                }
            }
            return rows
        }
    }
}
