/// How large a template may be, so that loading and checking it stays quick whatever is in the folder.
///
/// They date from swift-mustache, whose parser measured the rest of the file (`String.distance`,
/// a walk over every character) at each `{` it met: a 2 MB file full of tags kept `check` busy
/// for longer than fifteen minutes. ``TemplateParser`` is linear, but the limits stay, so that a
/// folder that loads today loads tomorrow and partials cannot multiply a message without bound;
/// real templates are a few kilobytes with a few dozen tags.
public enum TemplateLimits {
    /// The largest template file, in bytes: 1 MiB.
    public static let fileSize = 1 << 20
    /// The most `{` characters in one file (each `{{tag}}` has two): 2000.
    public static let braces = 2000
    /// The largest message a template can make with its partials expanded, in template bytes: 1 MiB.
    /// Partials that include partials many times over would otherwise multiply without bound.
    public static let expandedSize = 1 << 20

    /// The line of the `{` beyond ``braces``, if the text has that many.
    static func lineOfExcessBrace(in text: String) -> Int? {
        var seen = 0, line = 1
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") { line += 1 } else if byte == UInt8(ascii: "{") {
                seen += 1
                if seen > braces { return line }
            }
        }
        return nil
    }

    /// "1.9 MiB" / "12 KiB" for a size in bytes.
    static func describe(bytes: Int) -> String {
        bytes >= 1 << 20 ? "\((Double(bytes) / Double(1 << 20) * 10).rounded() / 10) MiB" : "\((bytes + 1023) / 1024) KiB"
    }
}
