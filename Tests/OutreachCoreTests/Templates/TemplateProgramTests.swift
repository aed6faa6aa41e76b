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
    /// A small seeded generator (SplitMix64), so a failure can be replayed.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

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
                let name = insideLeaf && random.chance(30) ? "." : random.pick(leaves)
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
        configuration.company = random.chance(80) ? ["name": "Example & <Co>"] : [:]
        if random.chance(50) { configuration.templates.unsubscribeURL = "https://example.com/u?k={key}" }
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
        var random = Random(state: 2026)
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

    @Test func testTransformsAreARenderErrorNotABlank() throws {
        let (occurrence, configuration) = { var r = Random(state: 1); return Self.occurrence(&r) }()
        #expect(throws: RenderError.self) {
            _ = try Self.compiled("Hi {{uppercased(customer.name)}}", partials: [:], occurrence: occurrence, configuration: configuration)
        }
    }

    @Test func testAPartialIncludingItselfIsARenderErrorNotACrash() throws {
        let (occurrence, configuration) = { var r = Random(state: 1); return Self.occurrence(&r) }()
        for text in ["a {{> p0}}", "a\n  {{> p0}}\n"] {
            #expect(throws: RenderError.self) {
                _ = try Self.compiled(text, partials: ["p0": "x\n  {{> p1}}\n", "p1": "{{> p0}}"], occurrence: occurrence, configuration: configuration)
            }
        }
    }
}
