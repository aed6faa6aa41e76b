import Foundation

/// The encodings an RFC 5322 message needs: quoted-printable bodies (RFC 2045) and encoded-words
/// for non-ASCII header text (RFC 2047).
public enum MIMEEncoding {
    /// Quoted-printable with CRLF line ends, lines of at most 76 characters.
    ///
    /// Bare CR and LF in the input are normalised to CRLF first, so nothing that looks like an SMTP
    /// end-of-data sequence can be smuggled through a body.
    public static func quotedPrintable(_ text: String) -> String {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        var out = ""
        for (index, line) in normalized.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if index > 0 { out += "\r\n" }
            var current = ""
            let bytes = Array(line.utf8)
            for (i, b) in bytes.enumerated() {
                let isLast = i == bytes.count - 1
                var token: String
                if (b == 0x20 || b == 0x09) && isLast {
                    token = String(format: "=%02X", b)  // trailing white space would be stripped in transit
                } else if (b >= 33 && b <= 126 && b != 61) || b == 0x20 || b == 0x09 {
                    token = String(UnicodeScalar(b))
                } else {
                    token = String(format: "=%02X", b)
                }
                // A leading "." is encoded so no line of the body starts with one (belt and braces for SMTP).
                if current.isEmpty, b == 0x2E { token = "=2E" }
                if current.count + token.count > 75 {
                    out += current + "=\r\n"
                    current = ""
                    if token == "." { token = "=2E" }
                }
                current += token
            }
            out += current
        }
        return out
    }

    /// Whether `text` can stand in a header as it is.
    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// `text` as one or more RFC 2047 `=?utf-8?B?…?=` words of at most 68 characters each,
    /// separated by folding white space, never splitting a character (a grapheme, even) between words.
    public static func encodedWords(_ text: String) -> [String] {
        // 42 bytes of UTF-8 → 56 base64 characters → a 68-character word, so even the first word
        // fits on a `Subject: ` line within 78 characters.
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 42, !chunk.isEmpty {
                words.append("=?utf-8?B?" + chunk.base64EncodedString() + "?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + chunk.base64EncodedString() + "?=") }
        return words
    }
}
