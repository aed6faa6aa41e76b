/// Why a message cannot be built: data would have become part of a header.
public struct MessageError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Header values that came from data (names, subjects, addresses).
enum HeaderValue {
    /// Refuses CR, LF and every other control character: no customer data can add a header.
    static func checked(_ value: String, field: String) throws(MessageError) -> String {
        if value.containsLineBreakOrControl {
            throw MessageError("the \(field) header would contain a line break or control character from the data; refused")
        }
        return value
    }
}

extension String {
    /// CR, LF, any other control character, or a Unicode line/paragraph separator: what data must
    /// never carry into a header line (or a single-line store field).
    ///
    /// Read as UTF-8 bytes: the control characters (general category Cc) are exactly U+0000–U+001F
    /// and U+007F–U+009F, and looking up each scalar's category cost more than rendering the
    /// subject it is asked of.
    var containsLineBreakOrControl: Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in utf8 {
            switch (previous.0, previous.1, byte) {
            case (_, _, 0x00...0x1F), (_, _, 0x7F): return true
            case (_, 0xC2, 0x80...0x9F): return true                // U+0080–U+009F
            case (0xE2, 0x80, 0xA8), (0xE2, 0x80, 0xA9): return true  // U+2028, U+2029
            default: previous = (previous.1, byte)
            }
        }
        return false
    }
}
