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
    var containsLineBreakOrControl: Bool {
        // Printable ASCII answers without a Unicode property lookup per scalar (checked for every
        // header of every message sent: ~2% of run --once's CPU sending e-mail).
        if utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return false }
        return unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }
}
