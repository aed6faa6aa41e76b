import Foundation

/// The encodings an RFC 5322 message needs: quoted-printable bodies (RFC 2045) and encoded-words
/// for non-ASCII header text (RFC 2047).
public enum MIMEEncoding {
    /// Quoted-printable with CRLF line ends, lines of at most 76 characters.
    ///
    /// Bare CR and LF in the input are normalised to CRLF first, so nothing that looks like an SMTP
    /// end-of-data sequence can be smuggled through a body.
    public static func quotedPrintable(_ text: String) -> String {
        // One pass over the UTF-8 bytes into one buffer: this runs for every e-mail sent, and
        // building a String per byte made it a quarter of `run --once`'s CPU (perf, 20,000 messages).
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 2 + 8)
        var line: [UInt8] = []
        var afterCR = false
        for byte in text.utf8 {
            if byte == 0x0A, afterCR {
                afterCR = false  // the LF of a CRLF: the line ended at its CR
                continue
            }
            afterCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                encodeLine(line, into: &out)
                out.append(contentsOf: [0x0D, 0x0A])
                line.removeAll(keepingCapacity: true)
            } else {
                line.append(byte)
            }
        }
        encodeLine(line, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    /// Appends one line of input (no line break in it), with soft breaks (`=` CRLF) keeping each
    /// output line within 76 characters.
    private static func encodeLine(_ line: [UInt8], into out: inout [UInt8]) {
        var width = 0
        for (index, byte) in line.enumerated() {
            let isBlank = byte == 0x20 || byte == 0x09
            // Trailing white space would be stripped in transit, so it is encoded.
            var literal = (isBlank && index < line.count - 1) || (byte >= 33 && byte <= 126 && byte != 61)
            // A leading "." is encoded so no line of the body starts with one (belt and braces for SMTP).
            if width == 0, byte == 0x2E { literal = false }
            if width + (literal ? 1 : 3) > 75 {
                out.append(contentsOf: [0x3D, 0x0D, 0x0A])
                width = 0
                if byte == 0x2E { literal = false }
            }
            if literal {
                out.append(byte)
                width += 1
            } else {
                out.append(contentsOf: [0x3D, hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
                width += 3
            }
        }
    }

    /// Whether `text` can stand in a header as it is.
    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// `text` as one or more RFC 2047 `=?utf-8?B?…?=` words of at most 68 characters each,
    /// separated by folding white space, never splitting a character (nor a grapheme of at most 42
    /// bytes, which is any a language writes) between words.
    public static func encodedWords(_ text: String) -> [String] {
        // 42 bytes of UTF-8 → 56 base64 characters → a 68-character word, so even the first word
        // fits on a `Subject: ` line within 78 characters.
        var words: [String] = []
        var chunk = Data()
        func add(_ bytes: Data) {
            if chunk.count + bytes.count > 42, !chunk.isEmpty {
                words.append("=?utf-8?B?" + chunk.base64EncodedString() + "?=")
                chunk = Data()
            }
            chunk.append(bytes)
        }
        for character in text {
            let bytes = Data(String(character).utf8)
            if bytes.count <= 42 {
                add(bytes)
            } else {
                // A grapheme longer than a word (a letter under dozens of combining marks) is split
                // between its scalars, which still never splits a UTF-8 character: one word for it
                // would be far over RFC 2047's 75 characters, and past 998 octets a line too long to send.
                for scalar in character.unicodeScalars { add(Data(String(scalar).utf8)) }
            }
        }
        if !chunk.isEmpty { words.append("=?utf-8?B?" + chunk.base64EncodedString() + "?=") }
        return words
    }
}
