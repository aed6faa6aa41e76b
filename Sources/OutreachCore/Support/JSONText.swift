/// Compact JSON written straight into bytes, for what is written once per message: the customer
/// fields queued with each row, the webhook body and `preview`'s jsonl lines (``JSONLine``).
///
/// By hand rather than through `JSONSerialization` (every value boxed in `Any`, keys sorted as
/// `AnyHashable`) or `JSONEncoder` (a container and a boxed value per field): together they were
/// about a sixth of `run --once`'s CPU posting 20,000 webhooks. The output is what `JSONEncoder`
/// writes with `[.sortedKeys, .withoutEscapingSlashes]` for the same strings (a test holds the two
/// side by side): `"` and `\` escaped, the C0 controls as `\b \t \n \f \r` or `\u00XX`, everything
/// else, `/` and non-ASCII text included, as its UTF-8 bytes.
enum JSONText {
    private static let hex = Array("0123456789abcdef".utf8)

    /// Appends `text` as a JSON string, quotes included.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        // Scanned as one buffer: stepping `String.UTF8View` indices costs several times more, and
        // rendered messages are native strings, contiguous already.
        var text = text
        text.withUTF8 { utf8 in appendString(utf8, to: &out) }
    }

    /// Runs of bytes that need no escape are copied whole.
    private static func appendString(_ utf8: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var plainStart = 0
        for i in utf8.indices {
            let byte = utf8[i]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart..<i]))
            out.append(UInt8(ascii: "\\"))
            switch byte {
            case 0x08: out.append(UInt8(ascii: "b"))
            case 0x09: out.append(UInt8(ascii: "t"))
            case 0x0A: out.append(UInt8(ascii: "n"))
            case 0x0C: out.append(UInt8(ascii: "f"))
            case 0x0D: out.append(UInt8(ascii: "r"))
            case 0..<0x20:
                out.append(contentsOf: "u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)  // `"` or `\`
            }
            plainStart = i + 1
        }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[plainStart...]))
        out.append(UInt8(ascii: "\""))
    }

    /// An object of string fields, in the order given (pass them sorted by key for `sortedKeys` output).
    static func object(_ fields: [(key: String, value: String)]) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (n, field) in fields.enumerated() {
            if n > 0 { out.append(UInt8(ascii: ",")) }
            appendString(field.key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendString(field.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
