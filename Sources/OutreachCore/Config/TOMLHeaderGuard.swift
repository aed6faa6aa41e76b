/// Finds a table header that does not start with a key (`[,`, `[[ =x]]`, `[` at the end of a
/// line), before TOMLKit parses the text.
///
/// TOMLKit 0.6.0's toml++ takes for granted that the character after `[` or `[[` starts a key
/// (`TOML_ASSERT_ASSUME` in `parse_key`): in a debug build a config holding `[,` aborts the
/// process in an assertion, and in a release build it is undefined behaviour. Found by
/// `make fuzz` (FuzzConfig). Such a header is never valid TOML, so refusing it here, at its line,
/// refuses nothing TOMLKit would have read.
///
/// A `[` counts as a header only where toml++ reads one: first on a line, outside strings
/// (multi-line ones included), comments and the brackets of an array or inline-table value.
enum TOMLHeaderGuard {
    /// The 1-based line of the first header that does not start with a key, `nil` when there is none.
    static func lineOfKeylessHeader(in text: String) -> Int? {
        let bytes = Array(text.utf8)
        // A byte order mark is not a character of the first line.
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var line = 1
        var depth = 0
        var lineStart = true
        func at(_ offset: Int) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }
        func isTriple(_ quote: UInt8) -> Bool { at(1) == quote && at(2) == quote }
        while i < bytes.count {
            let b = bytes[i]
            switch b {
            case UInt8(ascii: "\n"):
                line += 1
                lineStart = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            case UInt8(ascii: "#"):
                while i + 1 < bytes.count, bytes[i + 1] != UInt8(ascii: "\n") { i += 1 }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                let triple = isTriple(b)
                i += triple ? 3 : 1
                // Past the closing quote(s): a backslash escapes the next byte in a basic string.
                while i < bytes.count {
                    let c = bytes[i]
                    if c == UInt8(ascii: "\n") {
                        line += 1
                        if !triple { break }
                    } else if c == UInt8(ascii: "\\"), b == UInt8(ascii: "\"") {
                        if at(1) == UInt8(ascii: "\n") { line += 1 }
                        i += 1
                    } else if c == b, !triple || isTriple(b) {
                        i += triple ? 2 : 0
                        break
                    }
                    i += 1
                }
                lineStart = bytes.indices.contains(i) && bytes[i] == UInt8(ascii: "\n")
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if b == UInt8(ascii: "["), depth == 0, lineStart {
                    var j = i + 1
                    if j < bytes.count, bytes[j] == UInt8(ascii: "[") { j += 1 }
                    while j < bytes.count, bytes[j] == UInt8(ascii: " ") || bytes[j] == UInt8(ascii: "\t") { j += 1 }
                    guard j < bytes.count, isKeyStart(bytes[j]) else { return line }
                    // The rest of the header's line holds no value to track.
                    while i + 1 < bytes.count, bytes[i + 1] != UInt8(ascii: "\n") { i += 1 }
                } else {
                    depth += 1
                }
                lineStart = false
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth = max(0, depth - 1)
                lineStart = false
            default:
                lineStart = false
            }
            i += 1
        }
        return nil
    }

    /// What may follow `[` or `[[` and spaces: a bare key's first character, a quote, or the `]`
    /// of an empty header (which toml++ reports itself).
    private static func isKeyStart(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}
