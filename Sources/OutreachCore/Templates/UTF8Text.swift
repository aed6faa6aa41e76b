import Foundation

/// What rendering does to a message's UTF-8 bytes after the template is filled in, byte for byte
/// as the `String` operations it replaces: trimming the subject, refusing control characters in
/// it, and writing every line break as LF.
enum UTF8Text {
    /// Removes `CharacterSet.whitespaces` (spaces and tabs, Unicode's included) from both ends.
    static func trimWhitespace(_ bytes: inout [UInt8]) {
        var end = bytes.count
        while end > 0 {
            var start = end - 1
            while start > 0, bytes[start] & 0xC0 == 0x80 { start -= 1 }
            guard isWhitespace(bytes[start..<end]) else { break }
            end = start
        }
        var start = 0
        while start < end {
            var next = start + 1
            while next < end, bytes[next] & 0xC0 == 0x80 { next += 1 }
            guard isWhitespace(bytes[start..<next]) else { break }
            start = next
        }
        if end < bytes.count { bytes.removeSubrange(end...) }
        if start > 0 { bytes.removeSubrange(..<start) }
    }

    private static func isWhitespace(_ scalar: ArraySlice<UInt8>) -> Bool {
        if scalar.count == 1 { return scalar.first == 0x20 || scalar.first == 0x09 }
        guard let decoded = String(validating: scalar, as: UTF8.self)?.unicodeScalars.first else { return false }
        return CharacterSet.whitespaces.contains(decoded)
    }

    /// A control character (general category Cc: U+0000–U+001F, U+007F–U+009F) or U+2028/U+2029,
    /// as ``Swift/String/containsLineBreakOrControl`` finds them.
    static func containsLineBreakOrControl(_ bytes: [UInt8]) -> Bool {
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x20 || b == 0x7F { return true }
            if b == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]) { return true }
            if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] == 0xA8 || bytes[i + 2] == 0xA9 { return true }
            i += 1
        }
        return false
    }

    /// CR LF and lone CR become LF.
    static func lineFeeds(_ bytes: inout [UInt8]) {
        guard let first = bytes.firstIndex(of: 0x0D) else { return }
        var write = first
        var read = first
        while read < bytes.count {
            let b = bytes[read]
            read += 1
            if b == 0x0D {
                if read < bytes.count, bytes[read] == 0x0A { continue }
                bytes[write] = 0x0A
            } else {
                bytes[write] = b
            }
            write += 1
        }
        bytes.removeSubrange(write...)
    }
}
