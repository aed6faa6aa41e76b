import Foundation
import GRDB

/// One row of a store query as ``StoreRowReader`` sees it: each cell as stored, text with its
/// bytes exactly as stored.
///
/// Both stores hand rows over this way, so a value is read (or rejected) alike whichever store holds it.
protocol StoreRowCells {
    /// The cell; ``StoreCell/null`` for a column the query does not have.
    func cell(_ column: String) -> StoreCell
}

/// A SQLite row. It must come from a cursor: only a live statement hands over SQLite's own bytes,
/// so text that is not UTF-8 is noticed (a copied row has already had it "repaired" to U+FFFD).
extension Row: StoreRowCells {
    func cell(_ column: String) -> StoreCell {
        StoreCell(value(column), bytes: (try? self.withUnsafeData(named: column) { $0.map { Array($0) } }) ?? nil)
    }

    /// The cell; `.null` for a column the query does not have.
    func value(_ column: String) -> DatabaseValue { self[column] ?? .null }
}

/// Reads one row of a store query column by column, as whatever tool wrote it left it, and
/// collects what is wrong instead of guessing.
struct StoreRowReader {
    let row: any StoreRowCells
    let table: String
    private(set) var problems: [(column: String, problem: UnreadableRow.Problem)] = []

    init(_ row: any StoreRowCells, table: String) {
        self.row = row
        self.table = table
    }

    /// The cell as stored; ``StoreCell/null`` for a column the query does not have.
    func cell(_ column: String) -> StoreCell {
        row.cell(column)
    }

    /// The cell for a message, text from the store's own bytes (see ``StoredValue/readable(_:)``).
    func stored(_ column: String) -> StoredValue {
        cell(column).stored
    }

    /// An id for a message (lossless, as ``stored(_:)``); `nil` when there is none, or it is blank.
    func shown(_ column: String) -> String? {
        let text: String
        switch cell(column) {
        case .null: return nil
        case .integer(let i): text = String(i)
        case .real(let d): text = String(d)
        case .text(let s): text = s
        case .malformedText(let b), .blob(let b): text = StoredValue.readable(b)
        }
        return text.allSatisfy(\.isWhitespace) ? nil : text
    }

    /// Text, `nil` when NULL or empty. Numbers read as their text; text or a blob that is not
    /// UTF-8 is a problem.
    mutating func text(_ column: String) -> String? {
        let text: String
        switch cell(column) {
        case .null: return nil
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .text(let s): text = s
        case .blob(let b) where String(validating: b, as: UTF8.self) != nil: text = String(decoding: b, as: UTF8.self)
        case .blob, .malformedText:
            problems.append((column, .notUTF8))
            return nil
        }
        return text.isEmpty ? nil : text
    }

    /// An `id` or `customer_id`: text that is not blank, else a problem.
    mutating func id(_ column: String) -> String? {
        let before = problems.count
        guard let id = text(column), !id.allSatisfy(\.isWhitespace) else {
            if problems.count == before { problems.append((column, .missingID(stored(column)))) }
            return nil
        }
        return id
    }

    /// A finite number; `nil` when NULL or blank text (no amount was given). Numeric text is
    /// read; any other text, a blob or an infinity is a problem, never a silent "no amount".
    mutating func number(_ column: String) -> Double? {
        let cell = cell(column)
        switch cell {
        case .null: return nil
        case .integer(let i): return Double(i)
        case .real(let d) where d.isFinite: return d
        case .text, .malformedText:
            let s = cell.valueText ?? ""
            if s.allSatisfy(\.isWhitespace) { return nil }
            if let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite { return d }
        default: break
        }
        problems.append((column, .notANumber(cell.stored)))
        return nil
    }

    /// A required timestamp kept as text (templates format it): ISO 8601 with an offset, else a problem.
    mutating func timestamp(_ column: String) -> String? {
        let before = problems.count
        guard let text = text(column), Timestamp.parse(text) != nil else {
            if problems.count == before { problems.append((column, .notATimestamp(stored(column)))) }
            return nil
        }
        return text
    }

    /// `opted_out`; unknown consent is a problem (and reads as opted out, should anyone look).
    mutating func consent(_ column: String) -> Bool {
        let stored = cell(column).stored
        guard let optedOut = Consent.optedOut(stored) else {
            problems.append((column, .unrecognisedConsent(stored)))
            return true
        }
        return optedOut
    }

    /// A ticket status, exactly as ``Ticket/Status`` spells it.
    mutating func status(_ column: String) -> String {
        let cell = cell(column)
        guard let s = cell.valueText, Ticket.Status(rawValue: s) != nil else {
            problems.append((column, .unknownStatus(cell.stored)))
            return ""
        }
        return s
    }

    /// The problems as rejected rows, named by the row's id and customer (as far as they can be read).
    func rejections(idColumn: String = "id", customerColumn: String) -> [UnreadableRow] {
        problems.map {
            UnreadableRow(table: table, id: shown(idColumn), customerID: shown(customerColumn), column: $0.column, problem: $0.problem)
        }
    }
}
