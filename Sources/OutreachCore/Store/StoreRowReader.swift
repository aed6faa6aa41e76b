import Foundation
import GRDB

/// One row of a store query as ``StoreRowReader`` sees it: each cell's value, and for text its
/// bytes exactly as stored.
///
/// Both stores hand rows over this way, so a value is read (or rejected) alike whichever store holds it.
protocol StoreRowCells {
    /// The cell; `.null` for a column the query does not have.
    func value(_ column: String) -> DatabaseValue
    /// The bytes of a text or blob cell as stored (before any repair of bad UTF-8); `nil` otherwise.
    func bytes(_ column: String) -> [UInt8]?
}

/// A SQLite row. It must come from a cursor: only a live statement hands over SQLite's own bytes,
/// so text that is not UTF-8 is noticed (a copied row has already had it "repaired" to U+FFFD).
extension Row: StoreRowCells {
    func value(_ column: String) -> DatabaseValue { self[column] ?? .null }

    func bytes(_ column: String) -> [UInt8]? {
        (try? withUnsafeData(named: column) { $0.map { Array($0) } }) ?? nil
    }
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

    /// The cell as stored; `.null` for a column the query does not have.
    func value(_ column: String) -> DatabaseValue {
        row.value(column)
    }

    /// The cell for a message, text from SQLite's own bytes (see ``StoredValue/readable(_:)``).
    func stored(_ column: String) -> StoredValue {
        let cell = value(column)
        guard case .string = cell.storage, let bytes = raw(column) else { return StoredValue(cell) }
        return .text(StoredValue.readable(bytes))
    }

    /// An id for a message (lossless, as ``stored(_:)``); `nil` when there is none, or it is blank.
    func shown(_ column: String) -> String? {
        let text: String
        switch value(column).storage {
        case .null: return nil
        case .int64(let i): text = String(i)
        case .double(let d): text = String(d)
        case .string, .blob: text = raw(column).map(StoredValue.readable) ?? ""
        }
        return text.allSatisfy(\.isWhitespace) ? nil : text
    }

    /// The bytes the store holds for a text or blob cell.
    private func raw(_ column: String) -> [UInt8]? {
        row.bytes(column)
    }

    /// Text, `nil` when NULL or empty. Numbers read as their text; text or a blob that is not
    /// UTF-8 is a problem.
    mutating func text(_ column: String) -> String? {
        switch value(column).storage {
        case .null: return nil
        case .int64(let i): return String(i)
        case .double(let d): return String(d)
        case .string, .blob:
            guard let text = raw(column).flatMap({ String(validating: $0, as: UTF8.self) }) else {
                problems.append((column, .notUTF8))
                return nil
            }
            return text.isEmpty ? nil : text
        }
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
        switch value(column).storage {
        case .null: return nil
        case .int64(let i): return Double(i)
        case .double(let d) where d.isFinite: return d
        case .string(let s) where s.allSatisfy(\.isWhitespace): return nil
        case .string(let s):
            if let d = Double(s.trimmingCharacters(in: .whitespaces)), d.isFinite { return d }
        default: break
        }
        problems.append((column, .notANumber(stored(column))))
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
        let stored = stored(column)
        guard let optedOut = Consent.optedOut(stored) else {
            problems.append((column, .unrecognisedConsent(stored)))
            return true
        }
        return optedOut
    }

    /// A ticket status, exactly as ``Ticket/Status`` spells it.
    mutating func status(_ column: String) -> String {
        guard case .string(let s) = value(column).storage, Ticket.Status(rawValue: s) != nil else {
            problems.append((column, .unknownStatus(stored(column))))
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
