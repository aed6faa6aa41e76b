import Foundation
import GRDB

/// Loads a CSV file into one store table in a single transaction: all rows or none.
///
/// Every row is validated as the rules will read it (timestamps with offsets, IANA zones, real
/// birthdays, known ticket states), so a bad row is refused at import, naming its line and
/// column, instead of being skipped at every tick.
public enum CSVImporter {
    public enum Table: String, Sendable, CaseIterable {
        case customers, purchases, tickets

        var required: [String] {
            switch self {
            case .customers: return ["id", "name"]
            case .purchases: return ["id", "customer_id", "purchased_at"]
            case .tickets: return ["id", "customer_id", "status", "opened_at", "updated_at"]
            }
        }

        var columns: [String] { StoreSchema.requiredColumns[rawValue] ?? [] }
    }

    /// A row (or the file) that stopped the import; nothing of the file was written.
    public struct ImportError: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var column: String?
        public var message: String

        public var description: String {
            Diagnostic(file: file, line: line, (column.map { "column \($0): " } ?? "") + message).description
        }
    }

    /// Progress of an import: bytes read of the file's total, rows so far.
    public typealias Progress = (_ bytes: Int, _ total: Int, _ rows: Int) -> Void

    /// Imports `path` into `table`; returns the number of rows written (inserted or updated by id).
    public static func run(_ path: String, into table: Table, store: SQLiteCustomerStore, progress: Progress? = nil) throws(ImportError) -> Int {
        var reader: CSVReader
        do { reader = try CSVReader(path: path) } catch {
            throw ImportError(file: path, line: nil, column: nil, message: error.message)
        }
        let total = reader.size
        do {
            return try store.write { db -> Int in
                guard let header = try reader.read() else { throw ImportError(file: path, line: 1, column: nil, message: "the file is empty; the first row must name the columns") }
                let names = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                for (i, name) in names.enumerated() where !table.columns.contains(name) {
                    throw ImportError(file: path, line: header.line, column: "\(i + 1)", message: "unknown column \"\(name)\" for \(table.rawValue) (columns: \(table.columns.joined(separator: ", ")))")
                }
                if let duplicate = names.first(where: { n in names.filter { $0 == n }.count > 1 }) {
                    throw ImportError(file: path, line: header.line, column: nil, message: "column \"\(duplicate)\" appears twice in the header")
                }
                for name in table.required where !names.contains(name) {
                    throw ImportError(file: path, line: header.line, column: nil, message: "the header lacks the required column \"\(name)\"")
                }
                let rowChecks = try RowChecks(db, table: table, names: names, file: path)
                defer { rowChecks.finish(db) }
                let updates = names.filter { $0 != "id" }.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
                let sql = "INSERT INTO \(table.rawValue) (\(names.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: names.count).joined(separator: ", ")))"
                    + (updates.isEmpty ? " ON CONFLICT(id) DO NOTHING" : " ON CONFLICT(id) DO UPDATE SET \(updates)")
                let statement = try db.makeStatement(sql: sql)
                var rows = 0
                while let record = try reader.read() {
                    guard record.fields.count == names.count else {
                        throw ImportError(file: path, line: record.line, column: nil, message: "the row has \(record.fields.count) fields, the header \(names.count)")
                    }
                    var values: [DatabaseValueConvertible?] = []
                    for (index, (name, raw)) in zip(names, record.fields).enumerated() {
                        do { values.append(try value(raw, column: name, table: table)) } catch let problem as Problem {
                            throw ImportError(file: path, line: record.line, column: "\(index + 1) (\(name))", message: problem.message)
                        }
                    }
                    try rowChecks.check(record, in: db)
                    try statement.execute(arguments: StatementArguments(values))
                    rows += 1
                    if rows % 2000 == 0 { progress?(reader.bytesRead, total, rows) }
                }
                progress?(total, total, rows)
                return rows
            }
        } catch let error as ImportError {
            throw error
        } catch let error as CSVReader.FormatError {
            throw ImportError(file: path, line: error.line, column: nil, message: error.message)
        } catch {
            throw ImportError(file: path, line: nil, column: nil, message: "\(error)")
        }
    }

    private struct Problem: Error { var message: String }

    /// The typed value for one field, or a problem a person can fix.
    private static func value(_ raw: String, column: String, table: Table) throws -> DatabaseValueConvertible? {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let freeText = column == "item" || column == "subject"
        if !freeText, text.containsLineBreakOrControl {
            throw Problem(message: "contains a line break or control character")
        }
        if text.isEmpty {
            if table.required.contains(column) { throw Problem(message: "is empty, but \(table.rawValue) rows need it") }
            return column == "opted_out" ? 0 : nil
        }
        switch column {
        case "email":
            guard text.contains("@"), !text.contains(where: \.isWhitespace) else { throw Problem(message: "\"\(text)\" is not an e-mail address") }
        case "locale":
            guard text.range(of: #"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"#, options: .regularExpression) != nil else {
                throw Problem(message: "\"\(text)\" is not a BCP 47 locale such as hu, sv-SE or th")
            }
        case "timezone":
            guard TimeZone(identifier: text) != nil else { throw Problem(message: "\"\(text)\" is not an IANA time zone such as Europe/Budapest") }
        case "birthday":
            guard Birthday(parsing: text) != nil else { throw Problem(message: "\"\(text)\" is not a birthday YYYY-MM-DD or --MM-DD") }
        case "opted_out":
            // The spellings the store reads, so what import accepts a tick reads the same way.
            guard let optedOut = Consent.optedOut(text: text) else { throw Problem(message: "\"\(text)\" is not a consent value (\(Consent.spellings))") }
            return optedOut ? 1 : 0
        case "created_at", "purchased_at", "opened_at", "updated_at", "solved_at":
            guard Timestamp.parse(text) != nil else { throw Problem(message: "\"\(text)\" is not an ISO 8601 timestamp with an offset, such as 2026-11-23T10:00:00+01:00") }
        case "amount":
            guard let amount = Double(text), amount.isFinite else { throw Problem(message: "\"\(text)\" is not a number (use a dot for decimals)") }
            return amount
        case "currency":
            guard text.count == 3, text.allSatisfy({ $0.isASCII && $0.isLetter }) else { throw Problem(message: "\"\(text)\" is not a three-letter currency code such as HUF") }
            return text.uppercased()
        case "status":
            guard Ticket.Status(rawValue: text) != nil else { throw Problem(message: "\"\(text)\" is not one of open, pending, solved, closed") }
        default:
            break
        }
        return text
    }
}
