import Foundation

/// Builds the RFC 5322 text of one outreach e-mail.
///
/// CRLF throughout, a deterministic Message-ID from the dedupe key (so a resent in-flight attempt
/// carries the same one), quoted-printable UTF-8 body, RFC 2047 words for non-ASCII names and
/// subjects, headers folded within 78 characters, and no way for data to add a header.
public struct EmailMessage: Sendable {
    public var from: Mailbox
    public var to: Mailbox
    public var subject: String
    public var body: String
    /// The dedupe key: source of the Message-ID and `X-Outreach-Key`.
    public var key: String
    public var rule: String
    public var date: Date
    /// `List-Unsubscribe` target, when configured.
    public var unsubscribeURL: String?

    public init(from: Mailbox, to: Mailbox, subject: String, body: String, key: String, rule: String, date: Date, unsubscribeURL: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.key = key
        self.rule = rule
        self.date = date
        self.unsubscribeURL = unsubscribeURL
    }

    /// `<HASH@DOMAIN>`: the same key always gives the same Message-ID.
    public static func messageID(key: String, domain: String) -> String {
        let digest = KeyDigest.hex(key, bytes: 16)
        return "<\(digest).outreachd@\(domain)>"
    }

    public var messageID: String { Self.messageID(key: key, domain: from.domain) }

    /// The message as sent: headers, blank line, body, all lines ending in CRLF.
    public func rendered() throws(MessageError) -> String {
        for (field, address) in [("From", from.address), ("To", to.address)] {
            _ = try HeaderValue.checked(address, field: field)
            guard Mailbox.isValidAddress(address) else { throw MessageError("the \(field) address is not a valid e-mail address") }
            guard address.utf8.allSatisfy({ $0 < 0x80 }) else {
                throw MessageError("the \(field) address is not ASCII, and outreachd does not send SMTPUTF8 envelopes; not sent")
            }
        }
        var lines: [String] = []
        lines += try fold("From", try mailbox(from, field: "From"))
        lines += try fold("To", try mailbox(to, field: "To"))
        lines += try fold("Subject", try text(subject, field: "Subject"))
        lines.append("Date: " + Self.rfc5322Date(date))
        lines.append("Message-ID: " + messageID)
        lines.append("MIME-Version: 1.0")
        lines.append("Content-Type: text/plain; charset=utf-8")
        lines.append("Content-Transfer-Encoding: quoted-printable")
        lines.append("Auto-Submitted: auto-generated")
        if let url = unsubscribeURL {
            _ = try HeaderValue.checked(url, field: "List-Unsubscribe")
            lines += try fold("List-Unsubscribe", ["<\(url)>"])
            if url.hasPrefix("https://") { lines.append("List-Unsubscribe-Post: List-Unsubscribe=One-Click") }
        }
        // The key holds customer, purchase or ticket IDs from the store: unstructured text like the
        // subject, so an ID in Thai or one too long for a line goes as encoded words (make fuzz found
        // raw UTF-8 written into this header).
        lines += try fold("X-Outreach-Rule", try text(rule, field: "X-Outreach-Rule"))
        lines += try fold("X-Outreach-Key", try text(key, field: "X-Outreach-Key"))
        var body = MIMEEncoding.quotedPrintable(self.body)
        if !body.hasSuffix("\r\n") { body += "\r\n" }
        return lines.joined(separator: "\r\n") + "\r\n\r\n" + body
    }

    /// Header words for a mailbox: the name as a quoted string or encoded words, then `<address>`.
    private func mailbox(_ box: Mailbox, field: String) throws(MessageError) -> [String] {
        guard let name = box.name, !name.isEmpty else { return [box.address] }
        let checked = try HeaderValue.checked(name, field: field)
        // A quoted string cannot be folded: long names go as encoded words, like non-ASCII ones.
        if MIMEEncoding.isPlainASCII(checked), checked.count <= 60 {
            // Escaped only when there is something to escape: two Foundation replacements per
            // message were a visible share of a worker's time.
            let escaped = checked.utf8.contains { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") }
                ? checked.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") : checked
            let quoted = "\"" + escaped + "\""
            return [quoted, "<\(box.address)>"]
        }
        return MIMEEncoding.encodedWords(checked) + ["<\(box.address)>"]
    }

    /// Header words for unstructured text: ASCII words as they are, else encoded words.
    private func text(_ value: String, field: String) throws(MessageError) -> [String] {
        let checked = try HeaderValue.checked(value, field: field)
        // Plain words only when folding at their spaces loses nothing: no runs of spaces, no word
        // too long for a line, nothing that looks like an encoded word. Otherwise encode it all.
        let words = checked.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        if MIMEEncoding.isPlainASCII(checked), !checked.contains("=?"), !words.contains(where: \.isEmpty) || checked.isEmpty,
           !words.contains(where: { $0.count > 60 }) {
            return words.filter { !$0.isEmpty }
        }
        return MIMEEncoding.encodedWords(checked)
    }

    /// `Name: word word…`, folded before a word that would pass 78 characters.
    ///
    /// A single word can still make a line longer than RFC 5322's limit of 998 octets (an address
    /// of a thousand characters: addresses are never split); the message is then refused, not sent
    /// with a line a server may cut or reject.
    private func fold(_ name: String, _ words: [String]) throws(MessageError) -> [String] {
        var lines: [String] = []
        var current = name + ":"
        for word in words {
            if current.count + 1 + word.count > 78, current.count > name.count + 1 {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        if let long = lines.first(where: { $0.utf8.count > 998 }) {
            throw MessageError("the \(name) header would have a line of \(long.utf8.count) octets, over the 998 RFC 5322 allows (is the address or ID that long?); not sent")
        }
        return lines
    }

    /// `Mon, 23 Nov 2026 09:00:00 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let days = Int((Double(seconds) / 86_400).rounded(.down))
        let day = CivilDate(daysSinceEpoch: days)
        let s = seconds - days * 86_400
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func padded(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        // Not String(format:): this runs once per e-mail, and the format path costs more than the rest.
        return "\(weekdays[((days % 7) + 7) % 7]), \(padded(day.day, 2)) \(months[day.month - 1]) \(padded(day.year, 4)) "
            + "\(padded(s / 3600, 2)):\(padded(s / 60 % 60, 2)):\(padded(s % 60, 2)) +0000"
    }
}
