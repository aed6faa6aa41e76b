import FuzzSupport
import Foundation
import OutreachCore

/// The headers `EmailMessage.rendered()` writes, in order; data must never add one.
private let expectedFields = ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
                              "Content-Transfer-Encoding", "Auto-Submitted", "X-Outreach-Rule", "X-Outreach-Key"]

/// The RFC 5322 / RFC 2047 header builder over any recipient name, address, subject and key (the
/// input's NUL-separated parts, from customer and ticket data in the daemon).
///
/// A value it refuses is a thrown `MessageError`, never a trap. What it writes has CRLF line ends
/// only, no line over 998 octets, only ASCII in the headers, exactly its own header fields (each
/// continuation line starting with white space), and a subject and display name that read back as
/// given, each RFC 2047 word holding whole UTF-8 characters.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHeaders(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var parts = bytes(data, size).split(separator: 0, maxSplits: 3, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    while parts.count < 4 { parts.append("") }
    let (name, address, subject, key) = (parts[0], parts[1], parts[2], parts[3])
    _ = Mailbox(parsing: address)
    let message = EmailMessage(from: Mailbox(name: "Example Care", address: "care@example.com"),
                               to: Mailbox(name: name, address: address), subject: subject, body: subject,
                               key: key, rule: "birthday", date: Date(timeIntervalSince1970: 1_764_460_800))
    let rendered: String
    do throws(MessageError) { rendered = try message.rendered() } catch { return 0 }
    check(Array(rendered.utf8), name: name, address: address, subject: subject)
    return 0
}

private func check(_ output: [UInt8], name: String, address: String, subject: String) {
    let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    for (i, b) in output.enumerated() {
        if b == cr { require(i + 1 < output.count && output[i + 1] == lf, "a CR not followed by LF at octet \(i)") }
        if b == lf { require(i > 0 && output[i - 1] == cr, "a bare LF at octet \(i)") }
    }
    let lines = output.split(separator: lf, omittingEmptySubsequences: false).map { $0.last == cr ? Array($0.dropLast()) : Array($0) }
    for (n, line) in lines.enumerated() {
        require(line.count <= 998, "line \(n + 1) is \(line.count) octets, over RFC 5322's 998")
    }
    guard let blank = lines.firstIndex(where: \.isEmpty) else { fatalError("property violated: no blank line after the headers") }
    var fields: [(name: String, value: String)] = []
    for line in lines[..<blank] {
        require(line.allSatisfy { ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }, "a header line holds a non-ASCII or control octet: \(line)")
        let text = String(decoding: line, as: UTF8.self)
        if line.first == UInt8(ascii: " ") || line.first == 0x09 {
            require(!fields.isEmpty, "the first header line is a continuation")
            fields[fields.count - 1].value += text
        } else {
            guard let colon = text.firstIndex(of: ":") else { fatalError("property violated: a header line without a field name: \(text)") }
            fields.append((String(text[..<colon]), String(text[text.index(after: colon)...])))
        }
    }
    require(fields.map(\.name) == expectedFields, "header fields \(fields.map(\.name)), expected \(expectedFields)")
    let value = Dictionary(fields.map { ($0.name, $0.value.hasPrefix(" ") ? String($0.value.dropFirst()) : $0.value) }, uniquingKeysWith: { a, _ in a })
    require(readText(value["Subject"]!) == subject, "the Subject header \(value["Subject"]!) does not read back as \(subject.debugDescription)")
    let to = value["To"]!
    if name.isEmpty {
        require(to == address, "To is \(to), not the bare address")
    } else {
        require(to.hasSuffix(" <\(address)>"), "To \(to) does not end in the address")
        let display = String(to.dropLast(address.utf8.count + 3))
        let read = display.hasPrefix("\"") ? unquote(display) : readText(display)
        require(read == name, "the display name \(display) does not read back as \(name.debugDescription)")
    }
}

/// Unstructured text as a reader decodes it: RFC 2047 words (white space between two of them
/// dropped) or plain words as they are.
private func readText(_ value: String) -> String {
    guard value.contains("=?") else { return value }
    var bytes: [UInt8] = []
    for word in value.split(separator: " ") {
        require(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?=") && word.count <= 75,
                "a word \(word) among encoded words is not a UTF-8 base64 encoded word of at most 75 characters")
        guard let decoded = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))) else { fatalError("property violated: \(word) is not base64") }
        require(String(validating: decoded, as: UTF8.self) != nil, "the encoded word \(word) splits a UTF-8 character")
        bytes += decoded
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// An RFC 5322 quoted string's content.
private func unquote(_ quoted: String) -> String {
    require(quoted.count >= 2 && quoted.hasSuffix("\""), "an unfinished quoted string: \(quoted)")
    var out = ""
    var escaped = false
    for c in quoted.dropFirst().dropLast() {
        if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else {
            require(c != "\"", "an unescaped quote inside \(quoted)")
            out.append(c)
        }
    }
    require(!escaped, "a quoted string ends in a lone backslash: \(quoted)")
    return out
}
