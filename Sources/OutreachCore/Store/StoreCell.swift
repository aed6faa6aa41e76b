import GRDB

/// One store cell as it is stored, before ``StoreRowReader`` reads it: SQLite's storage classes,
/// with text (and blobs) kept as UTF-8 when they are, and as their bytes when they are not.
///
/// Reading a cell is one step (type, then bytes, decoded once) so that a tick over tens of
/// thousands of rows does not build each text twice.
enum StoreCell {
    case null
    case integer(Int64)
    case real(Double)
    /// Text that is valid UTF-8.
    case text(String)
    /// Text that is not valid UTF-8: its bytes as stored.
    case malformedText([UInt8])
    /// A blob: its bytes (which may or may not be UTF-8).
    case blob([UInt8])

    /// The cell of a value and the bytes it was read from (GRDB's `Row`, a PostgreSQL row).
    init(_ value: DatabaseValue, bytes: @autoclosure () -> [UInt8]?) {
        switch value.storage {
        case .null: self = .null
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .blob: self = .blob(bytes() ?? [])
        case .string(let s):
            let raw = bytes() ?? Array(s.utf8)
            self = String(validating: raw, as: UTF8.self).map { .text($0) } ?? .malformedText(raw)
        }
    }

    /// The bytes of text or a blob.
    var bytes: [UInt8]? {
        switch self {
        case .text(let s): return Array(s.utf8)
        case .malformedText(let b), .blob(let b): return b
        case .null, .integer, .real: return nil
        }
    }

    /// Text as SQLite's C API hands it to GRDB (`String(cString:)`: up to the first NUL, bad
    /// UTF-8 repaired), which is what the value-based checks (numbers, statuses) have always read.
    var valueText: String? {
        switch self {
        case .text(let s): return s.utf8.contains(0) ? String(decoding: s.utf8.prefix { $0 != 0 }, as: UTF8.self) : s
        case .malformedText(let b): return String(decoding: b.prefix { $0 != 0 }, as: UTF8.self)
        case .null, .integer, .real, .blob: return nil
        }
    }

    /// The cell for a message (lossless: bytes that are not UTF-8 shown as `\xE9`).
    var stored: StoredValue {
        switch self {
        case .null: return .null
        case .integer(let i): return .integer(i)
        case .real(let d): return .real(d)
        case .text(let s): return .text(s)
        case .malformedText(let b): return .text(StoredValue.readable(b))
        case .blob(let b): return .blob(bytes: b.count)
        }
    }
}
