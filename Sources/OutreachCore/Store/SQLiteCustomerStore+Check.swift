import GRDB

extension SQLiteCustomerStore {
    /// The tick's queries with the index each needs, for `check` and the query-plan report: the
    /// candidate queries, then the probes for rows no candidate query can fetch (on the contract's
    /// schema, where `status` is `NOT NULL`). `mustCover`: the query reads tens of thousands of
    /// rows, and must find them all in its index (a probe finds a few bad rows, a spend query
    /// what any `(customer_id, …, amount)` index holds).
    static let plannedQueries: [(sql: String, arguments: StatementArguments, index: StoreSchema.Index, mustCover: Bool)] = {
        let i = Dictionary(uniqueKeysWithValues: StoreSchema.indexes.map { ($0.name, $0) })
        let probeIndexes = ["purchases_purchased_at_covering", "tickets_unresolved_updated_at", "tickets_status_solved_at_covering",
                            "tickets_status_solved_at_covering"]
        let probeQueries: [(sql: String, arguments: StatementArguments, index: StoreSchema.Index, mustCover: Bool)] = zip(probes(statusMayBeNull: false), probeIndexes)
            .map { probe, index in (probe.sql(customer: false, limit: 100), StatementArguments(), i[index]!, false) }
        let range: StatementArguments = [2_461_000.5, 2_461_001.5]
        let candidateQueries: [(sql: String, arguments: StatementArguments, index: StoreSchema.Index, mustCover: Bool)] = [
            (birthdaySQL + "(?, ?, ?)", ["11-22", "11-23", "11-24"], i["customers_birthday_month_day"]!, false),
            (purchasesSQL, range, i["purchases_purchased_at_covering"]!, true),
            (latestPurchasesSQL, range, i["purchases_customer_purchased_at_covering"]!, true),
            (latestPurchasesSQL, range, i["purchases_purchased_at_covering"]!, true),
            (latestPurchasesSQL + " AND (\(tierCandidateSQL) OR \(spendCandidateSQL))", range + ["gold", 1000], i["customers_tier"]!, true),
            (spendSQL + "(?, ?)", ["C1", "C2"], i["purchases_customer_purchased_at_covering"]!, false),
            (unresolvedSQL, range, i["tickets_unresolved_updated_at"]!, true),
            (solvedSQL, range, i["tickets_status_solved_at_covering"]!, true),
            (openTicketsSQL + "(?, ?)", ["C1", "C2"], i["tickets_customer_status"]!, false),
        ]
        return candidateQueries + probeQueries
    }()

    /// SQLite's plan for each tick query (`EXPLAIN QUERY PLAN`), one line per step.
    public func queryPlans() throws -> [(sql: String, plan: [String])] {
        try queue.read { db in
            try Self.plannedQueries.map { query in
                let rows = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: query.arguments)
                return (query.sql, rows.map { $0["detail"] as String? ?? "" })
            }
        }
    }

    /// Missing tables, columns, and indexes whose absence makes a tick read a whole table.
    public func schemaDiagnostics() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        do {
            try queue.read { db in
                for (table, columns) in StoreSchema.requiredColumns.sorted(by: { $0.key < $1.key }) {
                    guard try db.tableExists(table) else {
                        diagnostics.append(Diagnostic(file: path, line: nil, "table \(table) is missing (run `outreachd init` to create the schema)"))
                        continue
                    }
                    let present = Set(try db.columns(in: table).map { $0.name.lowercased() })
                    for column in columns where !present.contains(column) {
                        diagnostics.append(Diagnostic(file: path, line: nil, "table \(table) has no column \(column)"))
                    }
                }
            }
            guard diagnostics.isEmpty else { return diagnostics }
            var reported: Set<String> = []
            for (query, plan) in zip(Self.plannedQueries, try queryPlans()) {
                // Any full scan (of the table or of a whole index) means the index the query needs is
                // missing; a search through an index that is not covering reads each row from the table.
                let index = query.index
                let scans = plan.plan.contains { $0.hasPrefix("SCAN ") && !$0.hasPrefix("SCAN CONSTANT") }
                let uncovered = query.mustCover && plan.plan.contains { $0.contains(" USING INDEX ") }
                guard scans || uncovered, reported.insert(index.name).inserted else { continue }
                let consequence = scans ? "every tick would read all of \(index.table)"
                    : "each tick reads every candidate row from \(index.table) itself, one scattered page at a time"
                diagnostics.append(Diagnostic(file: path, line: nil,
                    "no index serves \(index.purpose), so \(consequence); run `outreachd init` or \(index.statement)"))
            }
        } catch {
            diagnostics.append(Diagnostic(file: path, line: nil, "cannot read the store: \(error)"))
        }
        return diagnostics
    }
}
