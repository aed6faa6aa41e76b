import GRDB

extension CSVImporter {
    /// What a row is checked against beyond its own fields: the ids earlier in the file, and
    /// (for purchases and tickets) the customers in the store.
    ///
    /// The ids seen go to a TEMP table keyed by id rather than a Swift set, so a million-row
    /// file costs disk pages, not memory; it lives in the import's transaction.
    struct RowChecks {
        let file: String
        let idIndex: Int
        let customerIndex: Int?
        let remember: Statement
        let firstLine: Statement
        let customerExists: Statement?

        init(_ db: Database, table: Table, names: [String], file: String) throws {
            guard let idIndex = names.firstIndex(of: "id") else {
                throw ImportError(file: file, line: 1, column: nil, message: "the header lacks the required column \"id\"")
            }
            self.file = file
            self.idIndex = idIndex
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS import_ids(id TEXT PRIMARY KEY, line INTEGER NOT NULL); DELETE FROM temp.import_ids")
            remember = try db.makeStatement(sql: "INSERT INTO temp.import_ids(id, line) VALUES (?, ?) ON CONFLICT(id) DO NOTHING")
            firstLine = try db.makeStatement(sql: "SELECT line FROM temp.import_ids WHERE id = ?")
            customerIndex = table == .customers ? nil : names.firstIndex(of: "customer_id")
            customerExists = customerIndex == nil ? nil : try db.makeStatement(sql: "SELECT 1 FROM customers WHERE id = ?")
        }

        /// Refuses a row whose id came earlier in the file (naming both lines) or whose customer
        /// is not in the store.
        func check(_ record: CSVReader.Record, in db: Database) throws {
            let id = record.fields[idIndex].trimmingCharacters(in: .whitespaces)
            try remember.execute(arguments: [id, record.line])
            if db.changesCount == 0 {
                let first = try Int.fetchOne(firstLine, arguments: [id]).map(String.init) ?? "an earlier line"
                throw ImportError(file: file, line: record.line, column: "\(idIndex + 1) (id)",
                                  message: "id \"\(id)\" is on line \(first) and again on line \(record.line); an id may appear once per file")
            }
            if let customerIndex, let customerExists {
                let customerID = record.fields[customerIndex].trimmingCharacters(in: .whitespaces)
                guard try Int.fetchOne(customerExists, arguments: [customerID]) != nil else {
                    throw ImportError(file: file, line: record.line, column: "\(customerIndex + 1) (customer_id)",
                                      message: "customer \"\(customerID)\" is not in the store; import the customers first")
                }
            }
        }

        /// Drops the ids (the transaction ends either way).
        func finish(_ db: Database) {
            try? db.execute(sql: "DROP TABLE IF EXISTS temp.import_ids")
        }
    }
}
