import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The shipped letters as a customer reads them: any item name or ticket subject, whatever its first
/// sound, gender or length, is quoted where no article or ending is needed; dates sit where their
/// form fits; and every letter speaks as "we", the company.
@Suite struct ShippedTemplateTests {
    /// One language of the shipped set: the locale a customer has, the file suffix and the quotation marks.
    struct Language: Sendable, CustomStringConvertible {
        var locale: String, file: String, customer: String, open: String, close: String
        /// Where a long date of 23 November 2026 reads naturally in a sentence.
        var datePhrase: String
        /// Words that would be glued to the quoted value (article, possessive needing agreement).
        var articles: [String]
        /// Articles whose form would depend on how the date is read ("a 2026.", but "az 1999.").
        var dateArticles: [String]
        /// First-person singular forms; a letter from the company never uses them.
        var firstPersonSingular: [String]
        /// At least one of these shows the letter speaks as "we".
        var firstPersonPlural: [String]
        var description: String { locale }
    }

    static let languages: [Language] = [
        Language(locale: "en", file: "", customer: "Emma Clarke", open: "“", close: "”",
                 datePhrase: "on November 23, 2026", articles: ["a", "an", "the", "your", "our", "my"], dateArticles: ["the"],
                 firstPersonSingular: ["I", "I'm", "I’m", "I've", "I’ve", "I'd", "I’d", "me", "my", "myself"],
                 firstPersonPlural: ["we", "us", "our"]),
        Language(locale: "hu", file: ".hu", customer: "Kovács Anna", open: "„", close: "”",
                 datePhrase: "2026. november 23. napján", articles: ["a", "az", "egy"], dateArticles: ["a", "az"],
                 firstPersonSingular: ["én", "szeretném", "szeretnék", "gondoltam", "remélem", "írok", "kérdezném", "jelezném",
                                       "köszönöm", "kérem", "vagyok", "nekem", "tőlem"],
                 firstPersonPlural: ["szeretnénk", "reméljük", "köszönjük", "nálunk", "csapatunk", "lezártuk", "feledkeztünk", "hallottunk"]),
        Language(locale: "sv-SE", file: ".sv", customer: "Astrid Lindqvist", open: "”", close: "”",
                 datePhrase: "den 23 november 2026", articles: ["en", "ett", "den", "det", "din", "ditt", "dina"], dateArticles: [],
                 firstPersonSingular: ["jag", "mig", "mej", "min", "mitt", "mina"],
                 firstPersonPlural: ["vi", "oss", "vår", "vårt"]),
        Language(locale: "th", file: ".th", customer: "สมชาย ใจดี", open: "“", close: "”",
                 datePhrase: "วันที่ 23 พฤศจิกายน 2569", articles: [], dateArticles: [],
                 firstPersonSingular: ["ฉัน", "ดิฉัน", "ผม"],
                 firstPersonPlural: ["เรา"]),
    ]

    static let letters: [(name: String, kind: any RuleKind)] = [
        ("birthday", BirthdayRule(feb29: .feb28)),
        ("post_purchase", PostPurchaseRule(after: .days(14), minAmount: nil, skipIfOpenTicket: false)),
        ("inactive", InactiveRule(tier: "gold", minSpend: nil, after: .days(90))),
        ("satisfaction_survey", SatisfactionSurveyRule(after: .days(3))),
        ("unresolved_ticket", UnresolvedTicketRule(after: .days(2), repeatEvery: nil, maxRepeats: 0)),
    ]

    /// Awkward values: a bare count noun, a capital, a Hungarian word starting with a vowel, a long name, quotes.
    static let items = ["coffee grinder", "Espresso machine", "alma", "hiking boots", "เครื่องชงกาแฟ",
                        "Deluxe stainless-steel burr coffee grinder with 40 grind settings, a timer and a cleaning brush"]
    static let ticketSubjects = ["The \"Pro\" kettle leaks", "alma", "„Árvíztűrő” tükörfúrógép nem működik",
                                 "The printer on the third floor does not print double-sided pages any more, even after a restart"]
    static let quotedVariables = ["purchase.item", "ticket.subject"]
    static let dateVariables = ["purchase.purchased_at", "ticket.opened_at"]

    let folder = TemporaryFolder()
    let set = TemplateSet.load(folder: TemplateSetTests.shipped).0

    var configuration: Configuration {
        var c = Configuration(file: folder.file("outreachd.toml"), store: .sqlite(folder.file("customers.db")),
                              state: .sqlite(folder.file("state.db")), templates: .init(path: TemplateSetTests.shipped))
        c.company = ["name": "Example Kft."]
        c.channels = ["email": emailChannel]
        return c
    }

    /// The shipped file of `name` in `language`, as the operator edits it.
    func source(_ name: String, _ language: Language) throws -> String {
        let path = TemplateSetTests.shipped + "/" + name + language.file + ".txt"
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// What the customer reads: subject and body, rendered through the real template set.
    func render(_ name: String, _ kind: any RuleKind, _ language: Language, item: String = "coffee grinder",
                ticketSubject: String = "My order has not arrived yet") throws -> RenderedMessage {
        let customer = Customer(id: "C1", name: language.customer, email: "c1@example.com", locale: language.locale)
        let subject: Occurrence.Subject
        switch type(of: kind).about {
        case .customer: subject = .customer
        case .purchase:
            subject = .purchase(Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-23T10:00:00+01:00", amount: 24_990, currency: "HUF", item: item))
        case .ticket:
            subject = .ticket(Ticket(id: "T0005", customerID: "C1", subject: ticketSubject, status: "open", openedAt: "2026-11-23T10:00:00+01:00",
                                     updatedAt: "2026-11-25T10:00:00+01:00"), followUp: 1)
        }
        let rule = RuleConfiguration(name: kind.name, kind: kind, channel: "email", template: name)
        let occurrence = Occurrence(key: "\(kind.name):C1:test", rule: rule, customer: customer, zone: zone("Europe/Budapest"),
                                    due: at("2026-12-07T09:00:00+01:00"), subject: subject)
        let message = try set.render(occurrence, configuration: configuration)
        #expect(message.template.hasSuffix("/" + name + language.file + ".txt"), "\(language): \(message.template)")
        return message
    }

    /// The values a letter prints that must be quoted: items in purchase letters, subjects in ticket letters.
    static func awkwardValues(_ kind: any RuleKind) -> [(item: String, ticketSubject: String, shown: String)] {
        switch type(of: kind).about {
        case .customer: return []
        case .purchase: return items.map { ($0, "x", $0) }
        case .ticket: return ticketSubjects.map { ("x", $0, $0) }
        }
    }

    // MARK: Rendered letters

    @Test(arguments: languages)
    func testEveryItemAndTicketSubjectIsQuotedInTheLetter(_ language: Language) throws {
        for (name, kind) in Self.letters {
            for value in Self.awkwardValues(kind) {
                let m = try render(name, kind, language, item: value.item, ticketSubject: value.ticketSubject)
                let text = (m.subject ?? "") + "\n" + m.body
                let quoted = language.open + value.shown + language.close
                #expect(text.contains(quoted), "\(name) \(language): \(value.shown) is not shown as \(quoted):\n\(text)")
                let bare = Self.bareOccurrences(of: value.shown, in: text, open: language.open, close: language.close)
                #expect(bare.isEmpty, "\(name) \(language): \(value.shown) appears unquoted: \(bare)\n\(text)")
            }
        }
    }

    /// An item name never goes into a subject line; a ticket subject may (the customer wrote it and
    /// knows it by it), quoted, and the letter's own words around it stay short.
    @Test(arguments: languages)
    func testSubjectsStayShortWithLongItemsAndTicketSubjects(_ language: Language) throws {
        for (name, kind) in Self.letters {
            let longest = Self.awkwardValues(kind).max { $0.shown.count < $1.shown.count } ?? ("x", "x", "x")
            let m = try render(name, kind, language, item: longest.item, ticketSubject: longest.ticketSubject)
            let subject = try #require(m.subject)
            #expect(!subject.contains(longest.item), "\(name) \(language): the item is in the subject: \(subject)")
            let own = subject.replacingOccurrences(of: language.open + longest.ticketSubject + language.close, with: "")
            #expect(own.count <= 60, "\(name) \(language): \(own.count) characters of its own: \(subject)")
        }
    }

    @Test(arguments: languages)
    func testDatesReadNaturallyAndNothingIsLeftOver(_ language: Language) throws {
        for (name, kind) in Self.letters {
            let m = try render(name, kind, language)
            let text = (m.subject ?? "") + "\n" + m.body
            let template = try source(name, language)
            for variable in Self.dateVariables {
                for (before, _) in Self.places(of: "{{" + variable + "}}", in: template) {
                    #expect(text.contains(language.datePhrase), "\(name) \(language): no \"\(language.datePhrase)\":\n\(text)")
                    let word = Self.previousWord(before, open: "")
                    #expect(!language.dateArticles.contains(word ?? ""), "\(name)\(language.file).txt: \"\(word ?? "") {{\(variable)}}\"")
                }
            }
            for leftover in ["{{", "}}", "..", "  ", " ,", " .", "()"] {
                #expect(!text.contains(leftover), "\(name) \(language): \"\(leftover)\" in\n\(text)")
            }
        }
    }

    // MARK: Template sources

    @Test(arguments: languages)
    func testNoArticleOrEndingIsGluedToAQuotedVariable(_ language: Language) throws {
        for (name, _) in Self.letters {
            let text = try source(name, language)
            for variable in Self.quotedVariables {
                let tag = "{{" + variable + "}}"
                for (before, after) in Self.places(of: tag, in: text) {
                    let line = before.split(separator: "\n", omittingEmptySubsequences: false).count
                    #expect(before.hasSuffix(language.open) && after.hasPrefix(language.close),
                            "\(name)\(language.file).txt:\(line): \(tag) is not in \(language.open)…\(language.close)")
                    // After the closing mark: no letter and no hyphenated ending (Hungarian „…”-val).
                    let next = (after.hasPrefix(language.close) ? after.dropFirst(language.close.count) : after).first
                    #expect(!(next?.isLetter ?? false) && next != "-", "\(name)\(language.file).txt:\(line): an ending is glued after \(tag)")
                    // Before it (and its opening mark): no article or possessive whose form depends on the value.
                    if let word = Self.previousWord(before, open: language.open) {
                        #expect(!language.articles.contains(word), "\(name)\(language.file).txt:\(line): \"\(word) \(tag)\"")
                    }
                }
            }
        }
    }

    @Test(arguments: languages)
    func testEveryLetterSpeaksAsWeTheCompany(_ language: Language) throws {
        for name in Self.letters.map(\.name) + ["footer"] {
            let text = try source(name, language)
            let words = Self.words(text)
            for form in language.firstPersonSingular {
                let found = language.locale == "th" ? text.contains(form) : words.contains(form.lowercased())
                #expect(!found, "\(name)\(language.file).txt speaks as \"\(form)\"")
            }
            guard name != "footer" else { continue }
            let plural = language.locale == "th" ? language.firstPersonPlural.contains { text.contains($0) }
                                                 : language.firstPersonPlural.contains { words.contains($0) }
            #expect(plural, "\(name)\(language.file).txt never says \(language.firstPersonPlural)")
            if language.locale == "th" {
                #expect(text.contains("ค่ะ") || text.contains("คะ"), "\(name).th.txt lost its polite ค่ะ/คะ")
                #expect(!text.contains("ครับ"), "\(name).th.txt mixes in ครับ")
            }
        }
    }

    // MARK: Helpers

    /// Lower-cased words of `text`, apostrophes kept ("i'm"), template tags left out.
    static func words(_ text: String) -> Set<String> {
        let untagged = text.replacingOccurrences(of: "\\{\\{[^}]*\\}\\}", with: " ", options: .regularExpression)
        return Set(untagged.split { !($0.isLetter || $0 == "'" || $0 == "’") }.map { $0.lowercased() })
    }

    /// The text before and after each occurrence of `needle`.
    static func places(of needle: String, in text: String) -> [(before: Substring, after: Substring)] {
        var found: [(Substring, Substring)] = []
        var rest = text[...]
        while let range = rest.range(of: needle) {
            found.append((text[..<range.lowerBound], text[range.upperBound...]))
            rest = text[range.upperBound...]
        }
        return found
    }

    /// The lower-cased word just before a tag (and its opening mark), when a space separates them.
    static func previousWord(_ before: Substring, open: String) -> String? {
        let lead = !open.isEmpty && before.hasSuffix(open) ? before.dropLast(open.count) : before
        guard lead.last?.isWhitespace == true else { return nil }
        return lead.split(whereSeparator: { !$0.isLetter }).last?.lowercased()
    }

    /// Places where `value` is printed without the quotation marks around it (a Latin value inside a
    /// longer word of the letter, such as "alma" in "alkalmas", is not the value).
    static func bareOccurrences(of value: String, in text: String, open: String, close: String) -> [String] {
        var bare: [String] = []
        for (before, after) in places(of: value, in: text) {
            let quoted = before.hasSuffix(open) && after.hasPrefix(close)
            let latin = value.unicodeScalars.first.map { $0.value < 0x250 } ?? false
            let insideWord = latin && ((before.last?.isLetter ?? false) || (after.first?.isLetter ?? false))
            if !quoted && !insideWord { bare.append(String(before.suffix(20)) + "[" + value + "]" + String(after.prefix(20))) }
        }
        return bare
    }
}
