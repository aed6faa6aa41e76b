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
        utf8.withContiguousStorageIfAvailable(Self.lineBreakOrControl) ?? Self.lineBreakOrControl(Array(utf8))
    }

    private static func lineBreakOrControl<Bytes: RandomAccessCollection<UInt8>>(_ bytes: Bytes) -> Bool where Bytes.Index == Int {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let byte = bytes[i]
            if byte < 0x20 || byte == 0x7F { return true }
            // U+0080–U+009F is C2 80–C2 9F; U+2028 and U+2029 are E2 80 A8 and E2 80 A9.
            if byte == 0xC2, i + 1 < bytes.endIndex, bytes[i + 1] <= 0x9F { return true }
            if byte == 0xE2, i + 2 < bytes.endIndex, bytes[i + 1] == 0x80, bytes[i + 2] | 1 == 0xA9 { return true }
            i += 1
        }
        return false
    }
}
