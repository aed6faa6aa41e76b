import GRDB
import GRDBSQLite

/// The current row of a SQLite statement, read in place: each cell straight from SQLite's C API,
/// its bytes decoded once, its column found among the statement's few names without building a
/// `DatabaseValue` or searching names case-insensitively per cell (GRDB's `Row` does both, and a
/// tick reads a few hundred thousand cells).
///
/// Valid only while the statement stands on the row: read it inside the cursor loop.
struct SQLiteStatementRow: StoreRowCells {
    private let statement: SQLiteStatement
    /// Column names lower-cased (as GRDB matches them), in the statement's order.
    private let names: [String]

    init(_ statement: Statement) {
        self.statement = statement.sqliteStatement
        self.names = statement.columnNames.map { $0.lowercased() }
    }

    func cell(_ column: String) -> StoreCell {
        // The first column of that name, as GRDB's `row[name]` finds it; the callers' names are lower-case.
        guard let found = names.firstIndex(of: column) ?? names.firstIndex(of: column.lowercased()) else { return .null }
        let i = Int32(found)
        switch sqlite3_column_type(statement, i) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, i))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, i))
        case SQLITE_TEXT:
            // SQLite's order: the pointer first, then the byte count of that same representation.
            guard let text = sqlite3_column_text(statement, i) else { return .text("") }
            let bytes = UnsafeBufferPointer(start: text, count: Int(sqlite3_column_bytes(statement, i)))
            return String(validating: bytes, as: UTF8.self).map { .text($0) } ?? .malformedText(Array(bytes))
        case SQLITE_BLOB:
            guard let blob = sqlite3_column_blob(statement, i) else { return .blob([]) }
            let bytes = UnsafeRawBufferPointer(start: blob, count: Int(sqlite3_column_bytes(statement, i)))
            return .blob(Array(bytes))
        default: return .null
        }
    }
}
