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

    /// The line and its line break as UTF-8, for writing to a file without making a `String` of it.
    public consuming func finishedLine() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// `value` as a JSON string: quotes, backslashes and control characters escaped, everything
    /// else (slashes and non-ASCII included) as it is.
    static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        // Scanned as one buffer: stepping `String.UTF8View` indices costs several times more, and
        // rendered messages are native strings, contiguous already.
        var value = value
        value.withUTF8 { utf8 in appendQuoted(utf8, to: &bytes) }
    }

    private static func appendQuoted(_ utf8: UnsafeBufferPointer<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var plainStart = 0
        for i in utf8.indices {
            let byte = utf8[i]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart..<i]))
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
            plainStart = i + 1
        }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart...]))
        bytes.append(UInt8(ascii: "\""))
    }
}
