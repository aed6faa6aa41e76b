import GRDB

/// What one store cell held, as a message shows it.
///
/// Text is quoted, escaped and cut short, so a value cannot add a log line or flood one; a blob
/// is shown by its size only, since its bytes may be anything.
public enum StoredValue: Sendable, Hashable, CustomStringConvertible {
    case null
    case text(String)
    case integer(Int64)
    case real(Double)
    case blob(bytes: Int)

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .string(let s): self = .text(s)
        case .int64(let i): self = .integer(i)
        case .double(let d): self = .real(d)
        case .blob(let b): self = .blob(bytes: b.count)
        }
    }

    /// Text as a message shows it: bytes that are not UTF-8 as `\xE9`, so the operator sees what
    /// is stored instead of U+FFFD.
    static func readable(_ bytes: [UInt8]) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var text = ""
        var parser = Unicode.UTF8.ForwardParser()
        var input = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid(let encoded):
                text.unicodeScalars.append(Unicode.UTF8.decode(encoded))
                offset += encoded.count
            case .error(let length):
                for byte in bytes[offset..<offset + length] { text += "\\x" + String(byte, radix: 16, uppercase: true) }
                offset += length
            case .emptyInput:
                return text
            }
        }
    }

    /// The longest text shown, in characters.
    static let shownLength = 40

    public var description: String {
        switch self {
        case .null: return "NULL"
        case .text(let s): return (s.count > Self.shownLength ? s.prefix(Self.shownLength) + "…" : s).debugDescription
        case .integer(let i): return String(i)
        case .real(let d): return String(d)
        case .blob(let bytes): return "a \(bytes)-byte BLOB"
        }
    }
}
