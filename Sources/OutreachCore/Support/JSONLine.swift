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
        JSONText.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        JSONText.appendString(value, to: &bytes)
    }

    /// The line, without a line break.
    public var finished: String { String(decoding: bytes + [UInt8(ascii: "}")], as: UTF8.self) }

    /// The line and its line break as UTF-8, for writing to a file without making a `String` of it.
    public consuming func finishedLine() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }
}
