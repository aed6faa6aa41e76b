/// One JSON object of string fields, written as UTF-8 bytes: a `jsonl` line.
///
/// `preview --format jsonl` prints one per due message, tens of thousands per run, and a
/// `JSONEncoder` per line costs more than rendering the message. The output is byte for byte what
/// `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes, provided the fields are
/// added in key order (a test holds it to that).
public struct JSONLine {
    /// UTF-8, built as bytes: slices of the values are copied whole, never split mid-character.
    private var bytes: [UInt8] = [UInt8(ascii: "{")]

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Adds `"name":"value"`; names are written as given (plain ASCII, in key order).
    public mutating func field(_ name: String, _ value: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        Self.appendQuoted(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        Self.appendQuoted(value, to: &bytes)
    }

    /// The line, without a line break.
    public var finished: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }

    /// `value` as a JSON string: quotes, backslashes and control characters escaped, everything
    /// else (slashes and non-ASCII included) as it is.
    static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        let utf8 = value.utf8
        bytes.append(UInt8(ascii: "\""))
        var plainStart = utf8.startIndex
        var i = plainStart
        while i != utf8.endIndex {
            let byte = utf8[i]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else {
                i = utf8.index(after: i)
                continue
            }
            bytes.append(contentsOf: utf8[plainStart..<i])
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x22: bytes.append(UInt8(ascii: "\""))
            case 0x5C: bytes.append(UInt8(ascii: "\\"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: "u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            }
            i = utf8.index(after: i)
            plainStart = i
        }
        bytes.append(contentsOf: utf8[plainStart..<i])
        bytes.append(UInt8(ascii: "\""))
    }
}
