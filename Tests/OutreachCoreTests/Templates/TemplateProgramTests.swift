import Foundation
import Mustache
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The compiled renderer against swift-mustache, which rendered outreachd's templates before it:
/// thousands of generated templates (sections, partials on their own lines and inline, comments,
/// line breaks of every kind, values that are missing or empty) must come out byte for byte the
/// same, and a piece swift-mustache could not parse must fail at the same line and column.
@Suite struct TemplateProgramTests {
    /// A seeded generator, so a failure can be replayed.
    typealias Random = SeededRandom

    static let texts = ["Hi", "Kedves", "ő", "สวัสดี", "a\u{301}", " ", "  ", "\t", "{", "}", "{x}", "x}}", "-", "\n", "\n", "\n", "\r", "\r\n",
                        "\u{2028}", "\u{0B}", "\u{85}", " \u{301}"]
    /// Names a variable may print (never a whole group: Swift prints dictionaries in no fixed order).
    static let leaves = ["customer.first_name", "customer.email", "customer.phone", "purchase.item", "purchase.id", "ticket.subject",
                         "company.name", "company.missing", "unsubscribe_url", "first_name", "item", "name", "subject", "missing",
                         ".item", ".name", "rule.name", "customer.first_name.x"]
    static let sections = ["customer", "purchase", "ticket", "company", "purchase.item", "customer.email", "customer.phone", "item",
                           "name", "missing", "ticket.subject", ".purchase", "unsubscribe_url"]

    /// A template text of about `size` fragments; partials named `p0`… up to (not including) `partialsFrom` are not used.
    static func text(_ random: inout Random, size: Int, partials: Range<Int>, depth: Int = 0, insideLeaf: Bool = false) -> String {
        var out = ""
        for _ in 0..<size {
            switch random.below(20) {
            case 0..<8: out += random.pick(texts)
            case 8..<11:
                let name = insideLeaf && random.chance(0.3) ? "." : random.pick(leaves)
                out += random.pick(["{{\(name)}}", "{{{\(name)}}}", "{{& \(name)}}", "{{ \(name) }}"])
            case 11..<14 where depth < 3:
                let name = random.pick(sections)
                let open = random.pick(["#", "^"])
                let leaf = open == "#" && !["customer", "purchase", "ticket", "company", ".purchase"].contains(name)
                let lead = random.pick(["", "", "\n", "  ", "\n  "]), trail = random.pick(["", "\n", "\n", " \n"])
                out += lead + "{{\(open)\(name)}}" + trail
                out += Self.text(&random, size: random.below(6), partials: partials, depth: depth + 1, insideLeaf: leaf)
                out += random.pick(["", "\n", "  "]) + "{{/\(name)}}" + random.pick(["", "\n", " x\n"])
            case 14..<16 where !partials.isEmpty:
                let name = "p\(random.pick(Array(partials)))"
                out += random.pick(["", "\n", "\n  ", "\n\t", " "]) + random.pick(["{{>\(name)}}", "{{> \(name) }}"]) + random.pick(["", "\n", " \n", "x"])
            case 16:
                out += random.pick(["", "\n", "  "]) + random.pick(["{{! note }}", "{{!x}}", "{{%CONTENT_TYPE:TEXT}}"]) + random.pick(["", "\n"])
            default:
                out += random.pick(texts)
            }
        }
        return out
    }

    /// The occurrences the values come from: with and without a purchase or ticket, values missing or empty.
    static func occurrence(_ random: inout Random) -> (Occurrence, Configuration) {
        let customer = Customer(id: "C1", name: random.pick(["Kovács Anna", "Emma Clarke", "", "Madonna"]), email: random.pick([nil, "a@example.com", ""]),
                                phone: random.pick([nil, "+36 1"]), locale: random.pick(["hu", "en", "th"]))
        let subject: Occurrence.Subject
        let kind: any RuleKind
        switch random.below(3) {
        case 0:
            subject = .customer
            kind = BirthdayRule()
        case 1:
            subject = .purchase(Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-09T10:00:00+01:00", amount: 10, currency: "EUR",
                                         item: random.pick([nil, "", "kettle", "line\r\nbreak\n"])))
            kind = PostPurchaseRule(after: .days(14))
        default:
            subject = .ticket(Ticket(id: "T1", customerID: "C1", subject: random.pick([nil, "Broken\r\n", "x"]), status: "open",
                                     openedAt: "2026-11-01T10:00:00Z", updatedAt: "2026-11-02T10:00:00Z"), followUp: 1)
            kind = UnresolvedTicketRule(after: .days(2))
        }
        var configuration = Configuration(file: "/x/outreachd.toml", store: .sqlite("/x/c.db"), state: .sqlite("/x/s.db"), templates: .init(path: "/x/t"))
        configuration.company = random.chance(0.8) ? ["name": "Example & <Co>"] : [:]
        if random.chance(0.5) { configuration.templates.unsubscribeURL = "https://example.com/u?k={key}" }
        let rule = RuleConfiguration(name: kind.name, kind: kind, channel: "email", template: "t")
        return (Occurrence(key: "k:C1", rule: rule, customer: customer, zone: zone("Europe/Budapest"), due: at("2026-11-23T09:00:00+01:00"),
                           subject: subject), configuration)
    }

    static let pragma = "{{%CONTENT_TYPE:TEXT}}"

    /// What swift-mustache made of `text` with `partials`, as outreachd used it; `nil` when it could not parse it.
    static func oracle(_ text: String, partials: [String: String], values: [String: Any]) -> String? {
        guard let template = try? MustacheTemplate(string: pragma + text) else { return nil }
        var library = MustacheLibrary()
        for (name, partial) in partials {
            guard let compiled = try? MustacheTemplate(string: pragma + partial) else { return nil }
            library.register(compiled, named: name)
        }
        return template.render(values, library: library)
    }

    /// What the compiled renderer makes of it; `nil` when it does not parse.
    static func compiled(_ text: String, partials: [String: String], occurrence: Occurrence, configuration: Configuration) throws -> String? {
        var nodes: [String: [TemplateNode]] = [:]
        for (name, partial) in partials {
            guard case .success(let parsed) = TemplateParser.parse(partial) else { return nil }
            nodes[name] = parsed
        }
        guard case .success(let parsed) = TemplateParser.parse(text) else { return nil }
        let names = ([text] + partials.values).flatMap { TemplateScan($0).tags }.filter { [.variable, .section, .invertedSection].contains($0.kind) }.map(\.name)
        let layout = ValueLayout(names: Set(names))
        var compiler = TemplateCompiler(layout: layout) { name in nodes[name].map { ("/t/\(name).txt", $0) } }
        var out = ""
        try compiler.program(parsed).render(layout.values(for: occurrence, configuration: configuration, formats: ValueFormats()), into: &out)
        return out
    }

    @Test func testGeneratedTemplatesRenderAsSwiftMustacheRenderedThem() throws {
        var random = Random(seed: 2026)
        var compared = 0
        for round in 0..<4000 {
            let count = random.below(4)
            var partials: [String: String] = [:]
            // p_i includes only p_j with j > i: no partial includes itself.
            for i in stride(from: count - 1, through: 0, by: -1) {
                partials["p\(i)"] = Self.text(&random, size: random.below(6), partials: (i + 1)..<count)
            }
            let text = Self.text(&random, size: 1 + random.below(12), partials: 0..<count)
            let (occurrence, configuration) = Self.occurrence(&random)
            let values = TemplateVariables.values(for: occurrence, configuration: configuration)
            let expected = Self.oracle(text, partials: partials, values: values)
            let got = try Self.compiled(text, partials: partials, occurrence: occurrence, configuration: configuration)
            #expect(got == expected, "round \(round): \(text.debugDescription) with \(partials.debugDescription)")
            if expected != nil { compared += 1 }
        }
        #expect(compared > 3000)
    }

    /// What `TemplateSet.render` gave when it rendered with swift-mustache (its code before the
    /// compiled renderer, kept here as the oracle): the same pieces, the same partials library,
    /// the same missing-variable refusal, subject trimming and control-character check, and line breaks.
    static func mustacheRender(_ occurrence: Occurrence, configuration: Configuration, set: TemplateSet) throws -> RenderedMessage {
        let locale = occurrence.customer.locale ?? configuration.schedule.defaultLocale
        let template = try #require(set.template(occurrence.rule.template, locale: locale))
        let values = TemplateVariables.values(for: occurrence, configuration: configuration)
        let missing = template.required.names.filter {
            let v = TemplateVariables.value($0, in: values)
            return v == nil || (v as? String)?.isEmpty == true
        }
        if !missing.isEmpty {
            throw RenderError("\(template.path) uses \(missing.map { "{{\($0)}}" }.joined(separator: ", ")), which has no value for this occurrence; not sent (guard it with a {{#…}} section to make it optional)")
        }
        var library = MustacheLibrary()
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: set.folder).compactMap { $0.split(separator: ".").first.map(String.init) })
        for name in names {
            if let partial = set.template(name, locale: template.locale.isEmpty ? nil : template.locale) {
                library.register(try MustacheTemplate(string: pragma + pieces(partial.path).body), named: name)
            }
        }
        let (subjectText, bodyText) = try pieces(template.path)
        var subject: String?
        if let subjectText {
            let rendered = try MustacheTemplate(string: pragma + subjectText).render(values, library: library).trimmingCharacters(in: .whitespaces)
            if rendered.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }) {
                throw RenderError("the subject from \(template.path) would contain a line break or control character taken from the data; refused")
            }
            subject = rendered
        }
        let body = try MustacheTemplate(string: pragma + bodyText).render(values, library: library)
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return RenderedMessage(subject: subject, body: body, template: template.path)
    }

    /// A template file's subject and body text, split as `TemplateSet` splits them.
    static func pieces(_ path: String) throws -> (subject: String?, body: String) {
        let text = try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "\r\n", with: "\n")
        guard text.prefix(8).lowercased() == "subject:" else { return (nil, text) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let blank = try #require(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces).isEmpty })
        return (String(lines[0].dropFirst("subject:".count)).trimmingCharacters(in: .whitespaces), lines[(blank + 1)...].joined(separator: "\n"))
    }

    /// Every shipped template in every language (and locales that fall back to a language or the
    /// default), every rule kind, with realistic and awkward values (long, empty, missing, with
    /// line breaks, in other scripts), through `TemplateSet.render` and through swift-mustache:
    /// the same message or the same refusal, every time.
    @Test func testShippedTemplatesRenderAsSwiftMustacheRenderedThem() throws {
        let set = TemplateSet.load(folder: TemplateSetTests.shipped).0
        var random = Random(seed: 10)
        var rendered = 0, refused = 0
        for (name, kind) in ShippedTemplateTests.letters {
            for locale in ["hu", "hu-HU", "sv-SE", "sv", "th", "en", "en-GB", "de", "", nil] {
                for round in 0..<12 {
                    let names = ["Kovács Anna", "Astrid Lindqvist", "สมชาย ใจดี", "Madonna", " Émile  Zola ", "O'Brien-Smith Mary Jane", "", "\u{2028}Eve"]
                    let customer = Customer(id: "C\(round)", name: round == 0 || random.chance(0.7) ? names[round % 6] : random.pick(names), email: random.pick(["c@example.com", nil]),
                                            phone: random.pick([nil, "+36 1 234 5678"]), locale: locale, timezone: random.pick([nil, "Asia/Bangkok", "America/Chicago"]))
                    let subject: Occurrence.Subject
                    switch type(of: kind).about {
                    case .customer:
                        subject = .customer
                    case .purchase:
                        let item: String? = round == 0 || random.chance(0.6) ? "kávéfőző" : random.pick(ShippedTemplateTests.items + ["", "two\r\nlines", "cr\ronly", "tab\there"] + [nil])
                        subject = .purchase(Purchase(id: "P\(round)", customerID: customer.id, purchasedAt: random.pick(["2026-11-16T14:30:00+01:00", "2026-02-28T23:30:00Z", "not a date"]),
                                                     amount: random.pick([24_990, 89.5, 0, nil]), currency: random.pick(["HUF", "usd", "EURO", nil]), item: item))
                    case .ticket:
                        let ticketSubject: String? = round == 0 || random.chance(0.6) ? "A hiányzó számla" : random.pick(ShippedTemplateTests.ticketSubjects + ["", "a\r\nb", "x\u{85}"] + [nil])
                        subject = .ticket(Ticket(id: "T\(round)", customerID: customer.id, subject: ticketSubject, status: random.pick(["open", "pending", "solved"]),
                                                 openedAt: random.pick(["2026-11-20T09:12:00+01:00", "garbage"]), updatedAt: "2026-11-26T16:40:00+01:00",
                                                 solvedAt: "2026-11-26T16:40:00+01:00"), followUp: 1 + random.below(3))
                    }
                    var configuration = Configuration(file: "/x/outreachd.toml", store: .sqlite("/x/c.db"), state: .sqlite("/x/s.db"),
                                                      templates: .init(path: TemplateSetTests.shipped))
                    configuration.company = round == 0 ? ["name": "Example Kft."] : random.chance(0.85) ? random.pick([["name": "Example Kft."], ["name": "Ünnepi & <Társ>", "phone": "1"]]) : random.pick([["name": ""], [:]])
                    if random.chance(0.5) { configuration.templates.unsubscribeURL = "https://example.com/u?c={customer_id}&k={key}" }
                    let rule = RuleConfiguration(name: kind.name, kind: kind, channel: "email", template: name)
                    let occurrence = Occurrence(key: "\(kind.name):\(customer.id):\(round)", rule: rule, customer: customer,
                                                zone: zone(customer.timezone ?? "Europe/Budapest"), due: at("2026-11-30T10:00:00Z"), subject: subject)
                    let expected = Result { try Self.mustacheRender(occurrence, configuration: configuration, set: set) }
                    let got = Result { try set.render(occurrence, configuration: configuration) }
                    switch (expected, got) {
                    case (.success(let e), .success(let g)):
                        #expect(g == e, "\(name) \(locale ?? "nil") round \(round)")
                        rendered += 1
                    case (.failure(let e), .failure(let g)):
                        #expect("\(g)" == "\(e)", "\(name) \(locale ?? "nil") round \(round)")
                        refused += 1
                    default:
                        Issue.record("\(name) \(locale ?? "nil") round \(round): swift-mustache \(expected), compiled \(got)")
                    }
                }
            }
        }
        // Both outcomes are exercised (about three in five of the 600 render): messages render, and
        // others are refused (a missing item or date, a control character in the subject).
        #expect(rendered > 300 && refused > 100, "rendered \(rendered), refused \(refused)")
    }

    /// Texts the scan lets through but swift-mustache did not parse, and where it said so.
    @Test(arguments: ["Hi {", "Hi\nthere {", "{{% CONTENT _TYPE:TEXT}}", "{{%CONTENT_TYPE:XML}}x", "{{a(b}}", "{{a(b))}}", "{{a)}}",
                      "x\n{{#s}}\ny {{/s}}{", "ő\u{2028}b {"])
    func testPiecesSwiftMustacheRefusedFailAtItsLineAndColumn(_ text: String) {
        var expected: (line: Int, column: Int)?
        do {
            _ = try MustacheTemplate(string: Self.pragma + text)
        } catch let error as MustacheTemplate.ParserError {
            expected = (error.context.lineNumber, error.context.columnNumber)
        } catch {}
        guard case .failure(let failure) = TemplateParser.parse(text) else {
            Issue.record("\(text.debugDescription) parsed; swift-mustache: \(String(describing: expected))")
            return
        }
        #expect(expected?.line == failure.line && expected?.column == failure.column,
                "\(text.debugDescription): \(failure) against swift-mustache's \(String(describing: expected))")
    }

    @Test func testATemplateThatIsNotUTF8IsRefusedWhenLoading() throws {
        let folder = TemporaryFolder()
        _ = FileManager.default.createFile(atPath: folder.file("t.txt"), contents: Data("Subject: Hi\n\nRen".utf8) + Data([0xE9]) + Data("e {{customer.name}}\n".utf8))
        let (set, diagnostics) = TemplateSet.load(folder: folder.path)
        #expect(diagnostics.map(\.description) == ["\(folder.file("t.txt")): cannot read the file as UTF-8 text"])
        #expect(set.template("t", locale: nil) == nil)
    }

    @Test func testTransformsAreARenderErrorNotABlank() throws {
        let (occurrence, configuration) = { var r = Random(seed: 1); return Self.occurrence(&r) }()
        #expect(throws: RenderError.self) {
            _ = try Self.compiled("Hi {{uppercased(customer.name)}}", partials: [:], occurrence: occurrence, configuration: configuration)
        }
    }

    @Test func testAPartialIncludingItselfIsARenderErrorNotACrash() throws {
        let (occurrence, configuration) = { var r = Random(seed: 1); return Self.occurrence(&r) }()
        for text in ["a {{> p0}}", "a\n  {{> p0}}\n"] {
            #expect(throws: RenderError.self) {
                _ = try Self.compiled(text, partials: ["p0": "x\n  {{> p1}}\n", "p1": "{{> p0}}"], occurrence: occurrence, configuration: configuration)
            }
        }
    }
}
