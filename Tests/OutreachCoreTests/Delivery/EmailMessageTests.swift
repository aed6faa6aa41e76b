import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

// MARK: - The strict parser, shared by the delivery suites

/// What `Tests/Fixtures/parse_message.py` (Python's `email` package, `policy=strict`) made of one message.
struct ParsedMessage: Decodable {
    struct Address: Decodable, Equatable {
        /// As Python's structured-header parser decodes it: it keeps the white space between adjacent
        /// encoded words, which RFC 2047 6.2 says to drop, so long encoded names gain spaces here.
        var pythonDisplayName: String
        /// The display name decoded as RFC 2047 6.2 says (headers of one mailbox only).
        var displayName: String?
        var addrSpec: String
        enum CodingKeys: String, CodingKey { case pythonDisplayName = "display_name", displayName = "display_name_rfc2047", addrSpec = "addr_spec" }
    }

    struct EncodedWord: Decodable {
        var header: String
        var word: String
        var length: Int
        var utf8Valid: Bool
        var text: String?
        enum CodingKeys: String, CodingKey { case header, word, length, utf8Valid = "utf8_valid", text }
    }

    var file: String
    var error: String?
    var headers: [String: [String]]?
    var headerNames: [String]?
    var rawHeaderLines: [String]
    var addresses: [String: [Address]]?
    var date: String?
    var body: String?
    var bodyStrictUTF8: Bool?
    var contentType: String?
    var charset: String?
    var contentTransferEncoding: String?
    var allLinesCRLF: Bool
    var bareCR: Int
    var bareLF: Int
    var maxHeaderLine: Int
    var maxBodyLine: Int
    var headerASCII: Bool
    var encodedWords: [EncodedWord]
    var qpProblems: [String]?
    var defects: [String]

    enum CodingKeys: String, CodingKey {
        case file, error, headers, headerNames = "header_names", rawHeaderLines = "raw_header_lines", addresses, date, body
        case bodyStrictUTF8 = "body_strict_utf8", contentType = "content_type", charset
        case contentTransferEncoding = "content_transfer_encoding", allLinesCRLF = "all_lines_crlf", bareCR = "bare_cr", bareLF = "bare_lf"
        case maxHeaderLine = "max_header_line", maxBodyLine = "max_body_line", headerASCII = "header_ascii"
        case encodedWords = "encoded_words", qpProblems = "qp_problems", defects
    }

    /// The decoded values of header `name` (any case).
    func values(_ name: String) -> [String] { headers?[name.lowercased()] ?? [] }
    /// The one decoded value of header `name`, nil if absent or repeated.
    func value(_ name: String) -> String? {
        let v = values(name)
        return v.count == 1 ? v[0] : nil
    }

    func address(_ name: String) -> Address? {
        let a = addresses?[name.lowercased()] ?? []
        return a.count == 1 ? a[0] : nil
    }

    /// Everything a well-formed outreachd message must be, whatever it says.
    func expectWellFormed(_ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(error == nil, "\(context): \(error ?? "")", sourceLocation: sourceLocation)
        #expect(defects.isEmpty, "\(context): defects \(defects)", sourceLocation: sourceLocation)
        #expect(allLinesCRLF, "\(context): bare CR \(bareCR), bare LF \(bareLF)", sourceLocation: sourceLocation)
        #expect(maxHeaderLine <= 78, "\(context): a header line of \(maxHeaderLine) characters: \(rawHeaderLines.filter { $0.count > 78 })",
                sourceLocation: sourceLocation)
        #expect(maxBodyLine <= 76, "\(context): a body line of \(maxBodyLine) characters", sourceLocation: sourceLocation)
        #expect(headerASCII, "\(context): 8-bit header bytes", sourceLocation: sourceLocation)
        #expect(qpProblems ?? [] == [], "\(context): \(qpProblems ?? [])", sourceLocation: sourceLocation)
        #expect(bodyStrictUTF8 == true, "\(context): the body is not valid UTF-8", sourceLocation: sourceLocation)
        for word in encodedWords {
            #expect(word.utf8Valid, "\(context): encoded word \(word.word) in \(word.header) is not valid UTF-8 on its own", sourceLocation: sourceLocation)
            #expect(word.length <= 75, "\(context): encoded word of \(word.length) characters", sourceLocation: sourceLocation)
        }
        #expect(contentType == "text/plain", "\(context)", sourceLocation: sourceLocation)
        #expect(charset == "utf-8", "\(context)", sourceLocation: sourceLocation)
        #expect(contentTransferEncoding == "quoted-printable", "\(context)", sourceLocation: sourceLocation)
        #expect(value("MIME-Version") == "1.0", "\(context)", sourceLocation: sourceLocation)
        #expect(value("Auto-Submitted") == "auto-generated", "\(context)", sourceLocation: sourceLocation)
        #expect(date != nil, "\(context): no parseable Date", sourceLocation: sourceLocation)
        #expect(values("Message-ID").count == 1, "\(context)", sourceLocation: sourceLocation)
        for name in ["From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Auto-Submitted"] {
            #expect(values(name).count == 1, "\(context): \(values(name).count) \(name) headers", sourceLocation: sourceLocation)
        }
    }
}

enum StrictParser {
    static let script = ServerProcess.root + "/Tests/Fixtures/parse_message.py"

    struct Failure: Error, CustomStringConvertible { var description: String }

    /// Parses each file strictly, in one Python run.
    static func parse(files: [String]) throws -> [ParsedMessage] {
        guard !files.isEmpty else { return [] }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ServerProcess.python)
        process.arguments = [script] + files
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "parse_message.py exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        let decoder = JSONDecoder()
        return try data.split(separator: UInt8(ascii: "\n")).map { try decoder.decode(ParsedMessage.self, from: Data($0)) }
    }

    /// Writes `text` (as UTF-8, byte for byte) into `folder` and parses it.
    static func parse(_ text: String, in folder: TemporaryFolder, name: String = "message.eml") throws -> ParsedMessage {
        let path = folder.file(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return try #require(try parse(files: [path]).first)
    }
}

/// The RFC 2047 words of a header text, as (word, base64 payload).
func encodedWords(in text: String) -> [(word: String, payload: String)] {
    let regex = try! NSRegularExpression(pattern: #"=\?utf-8\?B\?([A-Za-z0-9+/=]*)\?="#, options: [.caseInsensitive])
    let ns = text as NSString
    return regex.matches(in: text, range: NSRange(location: 0, length: ns.length)).map {
        (ns.substring(with: $0.range), ns.substring(with: $0.range(at: 1)))
    }
}

/// Quoted-printable decoding (RFC 2045 6.7), line ends kept as CRLF.
func decodeQuotedPrintable(_ text: String) -> [UInt8] {
    var out: [UInt8] = []
    let lines = text.components(separatedBy: "\r\n")
    for (index, line) in lines.enumerated() {
        var bytes = Array(line.utf8)
        var soft = false
        if bytes.last == UInt8(ascii: "=") { soft = true; bytes.removeLast() }
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "="), i + 2 < bytes.count, let v = UInt8(String(decoding: bytes[(i + 1)...(i + 2)], as: UTF8.self), radix: 16) {
                out.append(v)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        if !soft, index < lines.count - 1 { out += [13, 10] }
    }
    return out
}

// MARK: - EmailMessage

@Suite struct EmailMessageTests {
    static let date = at("2026-11-23T09:00:00Z")
    static let from = Mailbox(name: "Care", address: "care@example.com")

    func message(to name: String? = "Kovács Éva", address: String = "eva@example.hu", subject: String = "Boldog születésnapot",
                 body: String = "Kedves Éva!\n\nBoldog születésnapot!\n", key: String = "birthday:C002:2026",
                 unsubscribe: String? = nil, from: Mailbox = EmailMessageTests.from) -> EmailMessage {
        EmailMessage(from: from, to: Mailbox(name: name, address: address), subject: subject, body: body, key: key,
                     rule: "birthday", date: Self.date, unsubscribeURL: unsubscribe)
    }

    /// (header lines, body) of a rendered message: split at the first empty line.
    func split(_ text: String) throws -> (headers: [String], body: String) {
        let range = try #require(text.range(of: "\r\n\r\n"))
        return (String(text[..<range.lowerBound]).components(separatedBy: "\r\n"), String(text[range.upperBound...]))
    }

    /// Unfolded headers: name → values.
    func headers(_ text: String) throws -> [(name: String, value: String)] {
        var result: [(String, String)] = []
        for line in try split(text).headers {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                try #require(!result.isEmpty, "a continuation line first")
                result[result.count - 1].1 += line
            } else {
                let colon = try #require(line.firstIndex(of: ":"), "header line without a colon: \(line)")
                result.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)))
            }
        }
        return result
    }

    func header(_ text: String, _ name: String) throws -> [String] {
        try headers(text).filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
    }

    func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func expectCRLFOnly(_ text: String, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
        let b = bytes(text)
        for (i, byte) in b.enumerated() {
            if byte == 10, i == 0 || b[i - 1] != 13 { Issue.record("\(context): bare LF at byte \(i)", sourceLocation: sourceLocation); return }
            if byte == 13, i + 1 >= b.count || b[i + 1] != 10 { Issue.record("\(context): bare CR at byte \(i)", sourceLocation: sourceLocation); return }
        }
        #expect(text.utf8.suffix(2).elementsEqual([13, 10]), "\(context): does not end in CRLF", sourceLocation: sourceLocation)
    }

    func expectLineLimits(_ text: String, _ context: String = "", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (headerLines, body) = try split(text)
        for line in headerLines {
            #expect(line.utf8.count <= 78, "\(context): header line of \(line.utf8.count): \(line)", sourceLocation: sourceLocation)
            #expect(line.utf8.allSatisfy { $0 < 0x80 }, "\(context): 8-bit header: \(line)", sourceLocation: sourceLocation)
        }
        for line in body.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "\(context): body line of \(line.utf8.count): \(line)", sourceLocation: sourceLocation)
        }
    }

    // MARK: Line ends and limits

    @Test func testEveryLineEndsInCRLF() throws {
        let text = try message(body: "one\ntwo\r\nthree\rfour\n\nsix\r\r\nseven").rendered()
        expectCRLFOnly(text)
        let (_, body) = try split(text)
        #expect(body == "one\r\ntwo\r\nthree\r\nfour\r\n\r\nsix\r\n\r\nseven\r\n")
    }

    static let limitCases: [(String, String, String)] = [
        ("short Hungarian", "Kovács Éva", "Boldog születésnapot kívánunk, Éva"),
        ("long Hungarian", "Szentgyörgyi-Kovácsné Dr. Hegedűs Éva Zsófia Erzsébet Borbála",
         "Nem feledkeztünk meg a bejelentéséről: A nyomtató nem működik, és a szervizközpont sem válaszol (#T-2024-001234)"),
        ("long Swedish", "Åsa-Märta Öberg-Lindström Ångström-Sjöö", "Vi har inte glömt ditt ärende: Fakturan för december är fel, och påminnelsen också (#4711)"),
        ("long Thai", "สมหญิง ใจดีมากมายเหลือเกินและยังมีนามสกุลที่ยาวมาก ๆ อีกด้วยนะคะ",
         "เรื่อง “เครื่องพิมพ์ไม่ทำงานและศูนย์บริการไม่ตอบกลับเลยค่ะ” ยังอยู่ในความดูแลของเราค่ะ (#T-2024-001234)"),
        ("long ASCII", "Maximilian Alexander Bartholomew von Hohenzollern-Sigmaringen, Customer Relations",
         "We have not forgotten your request: The printer on the third floor does not print double-sided pages any more (#T-2024-001234)"),
        ("long ASCII word", "Eve", "Your download: https://downloads.example.com/customers/C0001/invoices/2026/11/invoice-2026-11-0001234.pdf"),
    ]

    @Test(arguments: limitCases)
    func testHeaderLinesStayWithin78AndBodyLinesWithin76(_ c: (String, String, String)) throws {
        let longBody = String(repeating: "Árvíztűrő tükörfúrógép, สวัสดีค่ะ, räksmörgås = 100% ", count: 12) + "\n.dot\n" + String(repeating: "x", count: 300) + "\n"
        let text = try message(to: c.1, subject: c.2, body: longBody, key: "unresolved_ticket:T-2024-001234:1",
                               unsubscribe: "https://example.com/u?k=T-2024-001234").rendered()
        expectCRLFOnly(text, c.0)
        try expectLineLimits(text, c.0)
    }

    /// A URL cannot be broken at a space; RFC 5322's hard limit (998) still holds, and nothing else grows.
    @Test func testLongUnsubscribeURLStaysWithinTheHardLimit() throws {
        let url = "https://example.com/unsubscribe?customer=C0001&key=unresolved_ticket%3AT-2024-001234%3A1&sig=" + String(repeating: "0123456789abcdef", count: 4)
        let text = try message(unsubscribe: url).rendered()
        let (headerLines, _) = try split(text)
        for line in headerLines {
            #expect(line.utf8.count <= 998)
            if !line.hasPrefix("List-Unsubscribe:") { #expect(line.utf8.count <= 78, "\(line)") }
        }
        let parsed = try StrictParser.parse(text, in: TemporaryFolder())
        #expect(parsed.error == nil && parsed.defects.isEmpty, "\(parsed.defects)")
        #expect(parsed.value("List-Unsubscribe")?.replacingOccurrences(of: " ", with: "") == "<\(url)>")
    }

    // MARK: Date, Message-ID, fixed headers

    @Test(arguments: [
        ("2026-11-23T09:00:00Z", "Mon, 23 Nov 2026 09:00:00 +0000"),
        ("2026-11-23T10:00:00+01:00", "Mon, 23 Nov 2026 09:00:00 +0000"),
        ("2024-02-29T23:59:59.900Z", "Thu, 29 Feb 2024 23:59:59 +0000"),
        ("2027-01-03T00:00:00Z", "Sun, 03 Jan 2027 00:00:00 +0000"),
        ("2000-03-01T12:34:56Z", "Wed, 01 Mar 2000 12:34:56 +0000"),
    ])
    func testDateHeaderIsRFC5322(_ c: (String, String)) throws {
        var m = message()
        m.date = at(c.0)
        let text = try m.rendered()
        #expect(try header(text, "Date") == [c.1])
        let pattern = #"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} \+0000$"#
        #expect(try header(text, "Date").first?.range(of: pattern, options: .regularExpression) != nil)
    }

    @Test func testMessageIDIsDeterministicFromTheKey() throws {
        let a = EmailMessage.messageID(key: "birthday:C002:2026", domain: "example.com")
        #expect(a == EmailMessage.messageID(key: "birthday:C002:2026", domain: "example.com"))
        #expect(a != EmailMessage.messageID(key: "birthday:C002:2027", domain: "example.com"))
        #expect(a != EmailMessage.messageID(key: "birthday:C003:2026", domain: "example.com"))
        #expect(a.range(of: #"^<[0-9a-f]{32}\.outreachd@example\.com>$"#, options: .regularExpression) != nil, "\(a)")

        // Rendered at different times (a retry, a resend after a crash): the same Message-ID.
        var first = message(key: "birthday:C002:2026")
        var later = message(subject: "edited", key: "birthday:C002:2026")
        later.date = Self.date.addingTimeInterval(3600)
        first.date = Self.date
        #expect(try header(first.rendered(), "Message-ID") == [a])
        #expect(try header(later.rendered(), "Message-ID") == [a])
        #expect(try header(message(key: "post_purchase:P9").rendered(), "Message-ID") != [a])
        // Keys differing only in case or by a suffix still differ.
        let keys = ["birthday:C1:2026", "birthday:c1:2026", "birthday:C1:20261", "birthday:C1:2026 ", "unresolved_ticket:T1:1", "unresolved_ticket:T1:2"]
        #expect(Set(keys.map { EmailMessage.messageID(key: $0, domain: "example.com") }).count == keys.count)
    }

    @Test func testFixedHeadersAreThere() throws {
        let text = try message(key: "birthday:C002:2026").rendered()
        #expect(try header(text, "MIME-Version") == ["1.0"])
        #expect(try header(text, "Content-Type") == ["text/plain; charset=utf-8"])
        #expect(try header(text, "Content-Transfer-Encoding") == ["quoted-printable"])
        #expect(try header(text, "Auto-Submitted") == ["auto-generated"])
        #expect(try header(text, "X-Outreach-Rule") == ["birthday"])
        #expect(try header(text, "X-Outreach-Key") == ["birthday:C002:2026"])
        #expect(try header(text, "From") == ["\"Care\" <care@example.com>"])
        #expect(try header(text, "Date").count == 1)
        #expect(try header(text, "Message-ID").count == 1)
        // Nothing that would take the message off the autoresponder-safe path.
        #expect(try header(text, "Bcc").isEmpty)
        #expect(try header(text, "Cc").isEmpty)
        #expect(try header(text, "Reply-To").isEmpty)
    }

    @Test func testListUnsubscribeOnlyWhenConfiguredAndOneClickOnlyForHTTPS() throws {
        let https = try message(unsubscribe: "https://example.com/unsubscribe?c=C002&k=birthday%3AC002%3A2026").rendered()
        #expect(try header(https, "List-Unsubscribe") == ["<https://example.com/unsubscribe?c=C002&k=birthday%3AC002%3A2026>"])
        #expect(try header(https, "List-Unsubscribe-Post") == ["List-Unsubscribe=One-Click"])

        let none = try message(unsubscribe: nil).rendered()
        #expect(try header(none, "List-Unsubscribe").isEmpty)
        #expect(try header(none, "List-Unsubscribe-Post").isEmpty)

        let http = try message(unsubscribe: "http://example.com/unsubscribe?c=C002").rendered()
        #expect(try header(http, "List-Unsubscribe-Post").isEmpty, "RFC 8058 one-click needs https")

        let mailto = try message(unsubscribe: "mailto:unsubscribe@example.com?subject=C002").rendered()
        #expect(try header(mailto, "List-Unsubscribe") == ["<mailto:unsubscribe@example.com?subject=C002>"])
        #expect(try header(mailto, "List-Unsubscribe-Post").isEmpty)

        #expect(throws: MessageError.self) { try message(unsubscribe: "https://example.com/u?c=1\r\nBcc: evil@example.com").rendered() }
    }

    // MARK: RFC 2047

    static let internationalCases: [(String, String, String)] = [
        ("hu", "Kovács Éva", "Boldog születésnapot kívánunk, Éva"),
        ("hu long", "Szentgyörgyi-Kovácsné Dr. Hegedűs Éva Zsófia Erzsébet Borbála Őrsike",
         "Nem feledkeztünk meg a bejelentéséről: „Árvíztűrő tükörfúrógép” nem működik (#T-2024-001234) – űőÚŐ"),
        ("sv", "Åsa Öberg", "Grattis på födelsedagen, Åsa"),
        ("sv long", "Åsa-Märta Öberg-Lindström Ångström-Sjöö af Ärlebäck",
         "Vi har inte glömt ditt ärende: ”Fakturan för december är fel, och påminnelsen också” (#4711) – åäöÅÄÖ"),
        ("th", "สมหญิง ใจดี", "สุขสันต์วันเกิดค่ะ คุณสมหญิง"),
        ("th long", "สมหญิง ใจดีมากมายเหลือเกินและยังมีนามสกุลที่ยาวมาก ๆ อีกด้วยนะคะ",
         "เรื่อง “เครื่องพิมพ์ไม่ทำงานและศูนย์บริการไม่ตอบกลับเลยค่ะ” ยังอยู่ในความดูแลของเราค่ะ (#T-2024-001234) ที่นี่ ๆ ๆ"),
        ("mixed with emoji", "Éva 👩‍👩‍👧‍👦 ใจดี Åsa", "🎂🎉 Grattis, Éva! สุขสันต์ 👩‍👩‍👧‍👦👩‍👩‍👧‍👦👩‍👩‍👧‍👦 ยินดีด้วยค่ะ"),
    ]

    @Test(arguments: internationalCases)
    func testNonASCIISubjectsAndNamesAreEncodedWordsThatNeverSplitACharacter(_ c: (String, String, String)) throws {
        let text = try message(to: c.1, subject: c.2).rendered()
        expectCRLFOnly(text, c.0)
        try expectLineLimits(text, c.0)

        for (field, original) in [("Subject", c.2), ("To", c.1)] {
            let value = try #require(try header(text, field).first, "\(c.0): no \(field)")
            let words = encodedWords(in: value)
            #expect(!words.isEmpty, "\(c.0): \(field) not encoded: \(value)")
            var joined = ""
            var characters = 0
            for w in words {
                #expect(w.word.count <= 75, "\(c.0): \(field): a word of \(w.word.count) characters")
                let data = try #require(Data(base64Encoded: w.payload), "\(c.0): \(field): bad base64 \(w.word)")
                // Each word must be UTF-8 on its own: a character split between words fails here.
                let piece = try #require(String(data: data, encoding: .utf8), "\(c.0): \(field): \(w.word) is not valid UTF-8 on its own")
                #expect(String(decoding: data, as: UTF8.self) == piece)
                joined += piece
                characters += piece.count
            }
            #expect(joined == original, "\(c.0): \(field) decodes to \(joined)")
            // No grapheme split between two words either (a split one would count twice).
            #expect(characters == original.count, "\(c.0): \(field): a character is split between words")
        }
    }

    @Test(arguments: internationalCases)
    func testStrictParserDecodesSubjectsAndDisplayNames(_ c: (String, String, String)) throws {
        let folder = TemporaryFolder()
        let text = try message(to: c.1, subject: c.2, body: "Kedves \(c.1)!\n\n\(c.2)\n").rendered()
        let parsed = try StrictParser.parse(text, in: folder)
        parsed.expectWellFormed(c.0)
        #expect(parsed.value("Subject") == c.2)
        #expect(parsed.address("To")?.displayName == c.1)
        #expect(parsed.address("To")?.addrSpec == "eva@example.hu")
        #expect(parsed.address("From")?.displayName == "Care")
        #expect(parsed.address("From")?.addrSpec == "care@example.com")
        #expect(parsed.body == "Kedves \(c.1)!\r\n\r\n\(c.2)\r\n")
    }

    @Test func testEncodedWordsSplitOnlyBetweenCharacters() {
        // Thai with stacked marks, Hungarian with combining accents, emoji sequences: 45-byte words cut between graphemes.
        let texts = [
            String(repeating: "กี่ที่นี่ ", count: 20),
            String(repeating: "A\u{301}rvi\u{301}ztu\u{30B}ro\u{30B} ", count: 10),
            String(repeating: "👩‍👩‍👧‍👦🇸🇪🇭🇺🇹🇭", count: 8),
            String(repeating: "é", count: 100),
        ]
        for text in texts {
            let words = MIMEEncoding.encodedWords(text)
            var joined = ""
            var characters = 0
            for w in words {
                #expect(w.count <= 75, "\(w)")
                let payload = String(w.dropFirst("=?utf-8?B?".count).dropLast(2))
                guard let data = Data(base64Encoded: payload), let piece = String(data: data, encoding: .utf8) else {
                    Issue.record("\(w) is not valid UTF-8 on its own")
                    continue
                }
                joined += piece
                characters += piece.count
            }
            #expect(joined == text)
            #expect(characters == text.count, "a grapheme is split between words")
        }
    }

    @Test func testASCIINamesAreQuotedWithEscaping() throws {
        let folder = TemporaryFolder()
        let cases = [
            ("Anna \"Annie\" O'Brien \\ Jr.", "\"Anna \\\"Annie\\\" O'Brien \\\\ Jr.\""),
            ("Doe, John", "\"Doe, John\""),
            ("Eve <eve@evil.example>", "\"Eve <eve@evil.example>\""),
            ("Bob (the builder); x:y", "\"Bob (the builder); x:y\""),
        ]
        for (name, quoted) in cases {
            let text = try message(to: name, subject: "Hello").rendered()
            #expect(try header(text, "To") == ["\(quoted) <eva@example.hu>"], "\(name)")
            let parsed = try StrictParser.parse(text, in: folder)
            parsed.expectWellFormed(name)
            // One address, the right one, with the name intact: no second recipient from a comma or brackets.
            #expect(parsed.addresses?["to"]?.map(\.addrSpec) == ["eva@example.hu"], "\(name): \(parsed.addresses ?? [:])")
            #expect(parsed.address("To")?.pythonDisplayName == name)
            #expect(parsed.address("To")?.displayName == name)
        }
        // No name: the bare address.
        #expect(try header(message(to: nil).rendered(), "To") == ["eva@example.hu"])
        #expect(try header(message(to: "").rendered(), "To") == ["eva@example.hu"])
    }

    @Test func testASCIISubjectKeepsItsText() throws {
        let folder = TemporaryFolder()
        for subject in ["Happy birthday, Eve", "Re: =?utf-8?B?not-a-word?= (#12)", "Your ticket:  two  spaces", "100% = done; 50% < 60%"] {
            let parsed = try StrictParser.parse(try message(subject: subject).rendered(), in: folder)
            parsed.expectWellFormed(subject)
            #expect(parsed.value("Subject") == subject)
        }
    }

    // MARK: Quoted-printable

    @Test func testQuotedPrintableBody() throws {
        let body = "trailing spaces  \ntrailing tab\t\nequals = sign and =41 literal\n.starts with a dot\n..two dots\n.\nÁrvíztűrő ใจดี\n"
        let text = try message(body: body).rendered()
        let (_, encoded) = try split(text)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines[0] == "trailing spaces =20")
        #expect(lines[1] == "trailing tab=09")
        #expect(lines[2] == "equals =3D sign and =3D41 literal")
        #expect(lines[3] == "=2Estarts with a dot")
        #expect(lines[4] == "=2E.two dots")
        #expect(lines[5] == "=2E")
        #expect(lines[6] == "=C3=81rv=C3=ADzt=C5=B1r=C5=91 =E0=B9=83=E0=B8=88=E0=B8=94=E0=B8=B5")
        #expect(decodeQuotedPrintable(encoded) == bytes(body.replacingOccurrences(of: "\n", with: "\r\n")))
        for line in lines {
            #expect(!line.hasSuffix(" ") && !line.hasSuffix("\t"), "trailing white space survives: \(line)")
            #expect(!line.hasPrefix("."), "a line starts with a dot: \(line)")
        }
    }

    @Test(arguments: [
        String(repeating: "a", count: 500),
        String(repeating: "ab cd ", count: 60) + "end ",
        String(repeating: ".", count: 200),
        String(repeating: "=", count: 100),
        String(repeating: "ő", count: 100),
        String(repeating: "x", count: 75) + ".next" + String(repeating: "y", count: 70) + ".z",
        String(repeating: "x", count: 74) + " " + String(repeating: "y", count: 74) + " ",
        String(repeating: "สวัสดีค่ะ ", count: 30),
    ])
    func testLongBodyLinesAreSoftBroken(_ line: String) throws {
        let body = line + "\n" + line + "\n"
        let text = try message(body: body).rendered()
        let (_, encoded) = try split(text)
        for l in encoded.components(separatedBy: "\r\n") {
            #expect(l.utf8.count <= 76, "\(l.utf8.count): \(l)")
            #expect(!l.hasPrefix("."), "a line starts with a dot: \(l)")
            #expect(!l.hasSuffix(" ") && !l.hasSuffix("\t"), "trailing white space: \(l)")
            #expect(l.utf8.allSatisfy { ($0 >= 33 && $0 <= 126) || $0 == 32 || $0 == 9 }, "not 7-bit printable: \(l)")
        }
        #expect(decodeQuotedPrintable(encoded) == bytes(body.replacingOccurrences(of: "\n", with: "\r\n")))
        let folder = TemporaryFolder()
        let parsed = try StrictParser.parse(text, in: folder)
        parsed.expectWellFormed("long line")
        #expect(parsed.body == body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func testBareCRAndLFInTheBodyBecomeCRLFAndCannotEndTheData() throws {
        let body = "a\rb\nc\r\nd\n.\nx\r.\r\ny\r\n.\r\nz"
        let text = try message(body: body).rendered()
        expectCRLFOnly(text)
        let (_, encoded) = try split(text)
        #expect(encoded == "a\r\nb\r\nc\r\nd\r\n=2E\r\nx\r\n=2E\r\ny\r\n=2E\r\nz\r\n")
        #expect(!text.contains("\r\n.\r\n"), "an SMTP end-of-data line in the message")
    }

    @Test func testALineBreakBeforeACombiningMarkIsStillALineBreak() throws {
        // Swift sees "\r\u{301}" as one character; the encoder works on bytes, so the CR still ends the line.
        let (_, encoded) = try split(try message(body: "a\r\u{301}b\r\n\u{301}c").rendered())
        #expect(encoded == "a\r\n=CC=81b\r\n=CC=81c\r\n")
    }

    @Test func testBodyOfEmptyTextStillEndsTheMessageCleanly() throws {
        let text = try message(body: "").rendered()
        expectCRLFOnly(text)
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    // MARK: Refusals

    static let controlCharacters: [String] = ["\r\n", "\n", "\r", "\t", "\u{0}", "\u{7}", "\u{1B}", "\u{7F}", "\u{85}", "\u{2028}", "\u{2029}"]

    @Test(arguments: controlCharacters)
    func testControlCharactersInHeaderDataAreRefused(_ control: String) {
        let evil = "Eve\(control)Bcc: evil@example.com"
        #expect(throws: MessageError.self, "name \(control.unicodeScalars.map { $0.value })") { try message(to: evil).rendered() }
        #expect(throws: MessageError.self, "subject") { try message(subject: "Hello\(control)Bcc: evil@example.com").rendered() }
        #expect(throws: MessageError.self, "address") { try message(address: "eve@example.com\(control)Bcc: evil@example.com").rendered() }
        #expect(throws: MessageError.self, "address") { try message(address: "eve\(control)@example.com").rendered() }
        #expect(throws: MessageError.self, "from name") {
            try message(from: Mailbox(name: "Care\(control)X-Evil: 1", address: "care@example.com")).rendered()
        }
        #expect(throws: MessageError.self, "non-ASCII name with control") { try message(to: "Éva\(control)Bcc: evil@example.com").rendered() }
        #expect(throws: MessageError.self, "key") { try message(key: "birthday:C1\(control)Bcc: evil@example.com:2026").rendered() }
    }

    @Test func testRefusalNamesTheHeader() {
        do {
            _ = try message(subject: "Hi\r\nBcc: evil@example.com").rendered()
            Issue.record("not refused")
        } catch {
            #expect(error.description.contains("Subject"), "\(error.description)")
        }
    }

    @Test(arguments: ["éva@example.hu", "eva@exämple.hu", "สมหญิง@example.co.th", "åsa@example.se"])
    func testNonASCIIAddressIsRefusedNamingSMTPUTF8(_ address: String) {
        do {
            _ = try message(address: address).rendered()
            Issue.record("\(address) was accepted")
        } catch {
            #expect(error.description.contains("SMTPUTF8"), "\(error.description)")
        }
        do {
            _ = try message(from: Mailbox(name: "Care", address: address)).rendered()
            Issue.record("From \(address) was accepted")
        } catch {
            #expect(error.description.contains("SMTPUTF8"), "\(error.description)")
        }
    }

    @Test(arguments: ["no-at-sign", "two@@example.com", "a b@example.com", "<eva@example.hu>", "@example.com", "eva@", "eva@example.hu>,evil@example.com"])
    func testInvalidAddressesAreRefused(_ address: String) {
        #expect(throws: MessageError.self) { try message(address: address).rendered() }
    }
}
