import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Templates as an operator edits them: lookup by locale, strict variables with lines, and
/// rendering that keeps every byte of the customer's language.
@Suite struct TemplateSetTests {
    let folder = TemporaryFolder()

    static let shipped: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates").path

    /// Writes `files` into a fresh templates folder and loads it, expecting no load problems.
    func load(_ files: [String: String], sourceLocation: SourceLocation = #_sourceLocation) -> TemplateSet {
        for (name, text) in files { folder.write("templates/\(name)", text) }
        let (set, problems) = TemplateSet.load(folder: folder.file("templates"))
        #expect(problems.isEmpty, "\(problems.map(\.description))", sourceLocation: sourceLocation)
        return set
    }

    func configuration(templates: String) -> Configuration {
        var c = Configuration(file: folder.file("outreachd.toml"), store: .sqlite(folder.file("customers.db")),
                              state: .sqlite(folder.file("state.db")), templates: .init(path: templates))
        c.company = ["name": "Example Kft."]
        c.channels = ["email": emailChannel]
        return c
    }

    func rule(_ kind: any RuleKind, template: String) -> RuleConfiguration {
        RuleConfiguration(name: kind.name, kind: kind, channel: "email", template: template)
    }

    static let birthday = BirthdayRule(feb29: .feb28)
    static let postPurchase = PostPurchaseRule(after: .days(14), minAmount: nil, skipIfOpenTicket: false)
    static let survey = SatisfactionSurveyRule(after: .days(3))

    func occurrence(_ kind: any RuleKind, template: String, customer: Customer, zone: String = "Europe/Budapest",
                    subject: Occurrence.Subject = .customer) -> Occurrence {
        Occurrence(key: "\(kind.name):\(customer.id):test", rule: rule(kind, template: template), customer: customer,
                   zone: templateTestZone(zone), due: at("2026-11-23T09:00:00+01:00"), subject: subject)
    }

    // MARK: Lookup

    @Test func testLookupFallsBackFromRegionToLanguageToDefault() {
        let set = load(["greet.txt": "default\n", "greet.sv.txt": "sv\n", "greet.sv-SE.txt": "sv-SE\n", "greet.hu.txt": "hu\n"])
        func file(_ locale: String?) -> String? { set.template("greet", locale: locale).map { URL(fileURLWithPath: $0.path).lastPathComponent } }
        #expect(file("sv-SE") == "greet.sv-SE.txt")
        #expect(file("sv_SE") == "greet.sv-SE.txt")
        #expect(file("SV-se") == "greet.sv-SE.txt")
        #expect(file("sv-FI") == "greet.sv.txt")
        #expect(file("sv") == "greet.sv.txt")
        #expect(file("hu-HU") == "greet.hu.txt")
        #expect(file("de") == "greet.txt")
        #expect(file("") == "greet.txt")
        #expect(file(nil) == "greet.txt")
        #expect(set.template("nothing", locale: "sv") == nil)
    }

    @Test func testRegionFileNamedWithUnderscoreOrCapitalsIsFound() {
        let set = load(["greet.txt": "default\n", "greet.pt_BR.txt": "pt-BR\n"])
        #expect(set.template("greet", locale: "pt-br").map { URL(fileURLWithPath: $0.path).lastPathComponent } == "greet.pt_BR.txt")
        #expect(set.template("greet", locale: "pt-PT").map { URL(fileURLWithPath: $0.path).lastPathComponent } == "greet.txt")
    }

    @Test func testLocaleTagHelpers() {
        #expect(LocaleTag.fallbackChain("sv_SE") == ["sv-se", "sv", ""])
        #expect(LocaleTag.fallbackChain("th") == ["th", ""])
        #expect(LocaleTag.fallbackChain(nil) == [""])
        #expect(LocaleTag.fallbackChain("  ") == [""])
        #expect(LocaleTag.firstName(of: "Kovács Anna", locale: "hu") == "Anna")
        #expect(LocaleTag.firstName(of: "Kovács Anna", locale: "hu-HU") == "Anna")
        #expect(LocaleTag.firstName(of: "Emma Clarke", locale: "en") == "Emma")
        #expect(LocaleTag.firstName(of: "Astrid Lindqvist", locale: "sv-SE") == "Astrid")
        #expect(LocaleTag.firstName(of: "สมชาย ใจดี", locale: "th") == "สมชาย")
        #expect(LocaleTag.firstName(of: "Madonna", locale: "en") == "Madonna")
    }

    // MARK: Strict variables and other problems, with file and line

    @Test func testBirthdayTemplateUsingPurchaseItemIsADiagnosticOnItsLine() throws {
        let set = load([
            "bday.txt": "Subject: Happy birthday, {{customer.first_name}}\n\nHi {{customer.first_name}},\n\nEnjoy your {{purchase.item}}!\n",
            "bday.hu.txt": "Subject: Boldog születésnapot, {{purchase.item}}\n\nKedves {{customer.first_name}}!\n",
        ])
        let config = configuration(templates: set.folder)
        let problems = set.validate(rule: rule(Self.birthday, template: "bday"), channel: emailChannel, configuration: config)
        #expect(problems.count == 2, "\(problems.map(\.description))")
        let english = try #require(problems.first { $0.file.hasSuffix("/bday.txt") })
        #expect(english.line == 5)
        #expect(english.message.contains("{{purchase.item}}"))
        #expect(english.description.hasPrefix(folder.file("templates/bday.txt") + ":5: "))
        let hungarian = try #require(problems.first { $0.file.hasSuffix("/bday.hu.txt") })
        #expect(hungarian.line == 1)
        // The same template is fine for a rule that has a purchase.
        #expect(set.validate(rule: rule(Self.postPurchase, template: "bday"), channel: emailChannel, configuration: config).isEmpty)
    }

    @Test func testVariablesInsideSectionsResolveAgainstTheSection() throws {
        let set = load(["t.txt": "Subject: Hello\n\nHi\n{{#purchase}}\nYour {{item}}.\n{{/purchase}}\n{{^ticket.subject}}none{{/ticket.subject}}\n"])
        let config = configuration(templates: set.folder)
        let forBirthday = set.validate(rule: rule(Self.birthday, template: "t"), channel: emailChannel, configuration: config)
        #expect(forBirthday.contains { $0.line == 4 }, "\(forBirthday.map(\.description))")
        #expect(forBirthday.contains { $0.line == 7 }, "\(forBirthday.map(\.description))")
        let forSurvey = set.validate(rule: rule(Self.survey, template: "t"), channel: emailChannel, configuration: config)
        #expect(forSurvey.contains { $0.line == 4 })
        #expect(!forSurvey.contains { $0.line == 7 })
        #expect(set.validate(rule: rule(Self.postPurchase, template: "t"), channel: emailChannel, configuration: config).contains { $0.line == 7 })
    }

    @Test func testVariableAPartialCannotHaveIsReportedInThePartialsFile() throws {
        let set = load([
            "greet.txt": "Subject: Hello\n\nHi {{customer.first_name}},\n{{> sig}}\n",
            "sig.txt": "Regards,\nTicket {{ticket.id}}\n",
        ])
        let problems = set.validate(rule: rule(Self.birthday, template: "greet"), channel: emailChannel, configuration: configuration(templates: set.folder))
        let d = try #require(problems.first, "\(problems)")
        #expect(problems.count == 1)
        #expect(d.file == folder.file("templates/sig.txt"))
        #expect(d.line == 2)
        #expect(d.message.contains("{{ticket.id}}"))
    }

    @Test func testUnknownPartialIsADiagnosticOnItsLine() throws {
        let set = load(["greet.txt": "Subject: Hello\n\nHi,\n\n{{> signature}}\n"])
        let problems = set.validate(rule: rule(Self.birthday, template: "greet"), channel: emailChannel, configuration: configuration(templates: set.folder))
        let d = try #require(problems.first)
        #expect(problems.count == 1, "\(problems.map(\.description))")
        #expect(d.line == 5)
        #expect(d.message.contains("signature"))
    }

    @Test func testEmailRuleNeedsASubjectButHTTPRuleDoesNot() throws {
        let set = load(["sms.txt": "Hi {{customer.first_name}}, happy birthday!\n"])
        let config = configuration(templates: set.folder)
        let problems = set.validate(rule: rule(Self.birthday, template: "sms"), channel: emailChannel, configuration: config)
        let d = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(d.line == 1)
        #expect(d.file == folder.file("templates/sms.txt"))
        #expect(d.message.contains("Subject:"))
        var sms = ChannelConfiguration(name: "sms", kind: .http)
        sms.url = "https://sms.example.com"
        #expect(set.validate(rule: rule(Self.birthday, template: "sms"), channel: sms, configuration: config).isEmpty)
    }

    @Test func testTranslationsWithoutADefaultAreReported() {
        let set = load(["greet.hu.txt": "Subject: Szia\n\nSzia\n"])
        let problems = set.validate(rule: rule(Self.birthday, template: "greet"), channel: emailChannel, configuration: configuration(templates: set.folder))
        #expect(problems.contains { $0.message.contains("no default") }, "\(problems.map(\.description))")
    }

    @Test func testUnclosedSectionIsASyntaxErrorWithALine() throws {
        folder.write("templates/greet.txt", "Subject: Hello\n\nHi,\n{{#customer.email}}\nWe will write to {{customer.email}}.\n\nBye\n")
        let (_, problems) = TemplateSet.load(folder: folder.file("templates"))
        let d = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(d.file == folder.file("templates/greet.txt"))
        #expect(d.message.contains("never closed"), "\(d.description)")
        // The section is opened on line 4 of this 7-line file: that is the line the operator must fix.
        #expect(d.line == 4, "\(d.description)")
    }

    @Test func testSectionClosedWithAnotherNameIsReportedOnTheClosingLine() throws {
        folder.write("templates/greet.txt", "Subject: Hello\n\nHi,\n{{#customer.email}}\nmail\n{{/customer.phone}}\nBye\n")
        let (_, problems) = TemplateSet.load(folder: folder.file("templates"))
        let d = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(d.line == 6, "\(d.description)")
    }

    /// `make fuzz` (FuzzTemplates) found `"\u{0B}{"` reported on line 2 of a one-line file: the
    /// parser counted lines as swift-mustache did, a vertical tab or U+2028 starting one. The
    /// diagnostic counts LFs, as the file's editor does, and the column stays swift-mustache's.
    @Test(arguments: [("\u{0B}{", 1, 2), ("Hi\u{2028}there\u{0C}x\u{85}y {", 1, 14), ("Subject: Hi\n\na\u{2028}b\nc\u{0B}d {", 4, 5),
                      ("Subject: Hi\r\n\r\na\rb\r\nc {", 4, 3)])
    func testAParseErrorAfterALineBreakOtherThanLFIsOnTheFilesLine(_ c: (String, Int, Int)) throws {
        folder.write("templates/greet.txt", c.0)
        let (_, problems) = TemplateSet.load(folder: folder.file("templates"))
        let d = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(d.line == c.1 && d.message.hasSuffix("(column \(c.2))"), "\(d.description)")
    }

    @Test func testSyntaxErrorInTheSubjectIsOnLineOne() throws {
        folder.write("templates/greet.txt", "Subject: Hello {{#customer.name}}\n\nHi\n")
        let (_, problems) = TemplateSet.load(folder: folder.file("templates"))
        #expect(problems.first?.line == 1, "\(problems.map(\.description))")
    }

    @Test func testEveryBrokenFileIsReportedInOneLoad() {
        folder.write("templates/a.txt", "Subject: A\n\n{{#x}}\n")
        folder.write("templates/b.txt", "Subject: B\nFrom: someone\n\nbody\n")
        folder.write("templates/c.txt", "Subject: C\nbody without blank line\n")
        folder.write("templates/ok.txt", "Subject: ok\n\nfine\n")
        let (set, problems) = TemplateSet.load(folder: folder.file("templates"))
        #expect(Set(problems.map { URL(fileURLWithPath: $0.file).lastPathComponent }) == ["a.txt", "b.txt", "c.txt"], "\(problems.map(\.description))")
        #expect(problems.first { $0.file.hasSuffix("b.txt") }?.line == 2)
        #expect(set.template("ok", locale: nil) != nil)
    }

    @Test func testShippedTemplatesValidateForEveryRuleKind() {
        let (set, loadProblems) = TemplateSet.load(folder: Self.shipped)
        #expect(loadProblems.isEmpty, "\(loadProblems.map(\.description))")
        let config = configuration(templates: Self.shipped)
        let kinds: [any RuleKind] = [Self.birthday, Self.postPurchase, UnresolvedTicketRule(after: .days(2), repeatEvery: nil, maxRepeats: 0),
                                               Self.survey, InactiveRule(tier: "gold", minSpend: nil, after: .days(90))]
        for kind in kinds {
            let problems = set.validate(rule: rule(kind, template: kind.name), channel: emailChannel, configuration: config)
            #expect(problems.isEmpty, "\(kind.name): \(problems.map(\.description))")
            #expect(set.variants(kind.name).map(\.locale) == ["", "hu", "sv", "th"])
        }
    }

    // MARK: Rendering

    @Test func testThaiTextIsIntactByteForByte() throws {
        let template = "Subject: สุขสันต์วันเกิดค่ะ คุณ{{customer.first_name}}\n\nสวัสดีค่ะ คุณ{{customer.first_name}}\nขอให้มีความสุขมาก ๆ ในวันเกิดปีนี้นะคะ ทีมงาน {{company.name}}\n{{> footer}}\n"
        let set = load(["bday.txt": "Subject: Happy birthday\n\nHi\n", "bday.th.txt": template,
                        "footer.txt": "Regards", "footer.th.txt": "ด้วยความปรารถนาดี\nทีมดูแลลูกค้า {{company.name}}"])
        let customer = Customer(id: "C1", name: "สมชาย ใจดี", email: "somchai@example.com", locale: "th", timezone: "Asia/Bangkok")
        let message = try set.render(occurrence(Self.birthday, template: "bday", customer: customer, zone: "Asia/Bangkok"),
                                     configuration: configuration(templates: set.folder))
        let body = "สวัสดีค่ะ คุณสมชาย\nขอให้มีความสุขมาก ๆ ในวันเกิดปีนี้นะคะ ทีมงาน Example Kft.\nด้วยความปรารถนาดี\nทีมดูแลลูกค้า Example Kft."
        #expect(Array(message.body.utf8) == Array(body.utf8), "\(message.body)")
        #expect(Array((message.subject ?? "").utf8) == Array("สุขสันต์วันเกิดค่ะ คุณสมชาย".utf8))
        #expect(message.template == folder.file("templates/bday.th.txt"))
    }

    @Test func testHungarianTextIsIntactByteForByte() throws {
        let set = load(["bday.txt": "Subject: Happy birthday\n\nHi\n",
                        "bday.hu.txt": "Subject: Boldog születésnapot, {{customer.first_name}}!\n\nKedves {{customer.first_name}}!\nŐszintén kívánunk sok örömet: {{customer.name}}.\n"])
        let customer = Customer(id: "C1", name: "Kovács Anna", email: "anna@example.hu", locale: "hu")
        let message = try set.render(occurrence(Self.birthday, template: "bday", customer: customer), configuration: configuration(templates: set.folder))
        #expect(Array(message.body.utf8) == Array("Kedves Anna!\nŐszintén kívánunk sok örömet: Kovács Anna.\n".utf8))
        #expect(Array((message.subject ?? "").utf8) == Array("Boldog születésnapot, Anna!".utf8))
    }

    @Test func testDecomposedAccentsInTheDataAreNotRewritten() throws {
        // "Kovács" with a combining acute accent (NFD), as some systems export it: passed through as written.
        let nfd = "Kova\u{301}cs Anna"
        let set = load(["bday.txt": "Subject: Hi\n\n{{customer.name}}\n"])
        let customer = Customer(id: "C1", name: nfd, email: "anna@example.hu", locale: "hu")
        let message = try set.render(occurrence(Self.birthday, template: "bday", customer: customer), configuration: configuration(templates: set.folder))
        #expect(Array(message.body.utf8) == Array((nfd + "\n").utf8))
    }

    @Test func testShippedBirthdayTemplatesInFourLanguages() throws {
        let (set, _) = TemplateSet.load(folder: Self.shipped)
        let config = configuration(templates: Self.shipped)
        let cases: [(Customer, String, String, String)] = [
            (Customer(id: "C1", name: "Kovács Anna", email: "a@example.hu", locale: "hu"),
             "Boldog születésnapot kívánunk, Anna", "Kedves Anna!\n", "Szívélyes üdvözlettel:\nExample Kft. ügyfélszolgálati csapata"),
            (Customer(id: "C2", name: "Astrid Lindqvist", email: "a@example.se", locale: "sv-SE"),
             "Grattis på födelsedagen, Astrid", "Hej Astrid!\n", "Varma hälsningar\nKundtjänsten på Example Kft."),
            (Customer(id: "C3", name: "สมชาย ใจดี", email: "s@example.co.th", locale: "th"),
             "สุขสันต์วันเกิดค่ะ คุณสมชาย", "สวัสดีค่ะ คุณสมชาย\n", "ด้วยความปรารถนาดี\nทีมดูแลลูกค้า Example Kft."),
            (Customer(id: "C4", name: "Emma Clarke", email: "e@example.co.uk", locale: "en"),
             "Happy birthday, Emma", "Hi Emma,\n", "Warm regards,\nThe Example Kft. care team"),
            (Customer(id: "C5", name: "Hans Müller", email: "h@example.de", locale: "de-DE"),
             "Happy birthday, Hans", "Hi Hans,\n", "Warm regards,\nThe Example Kft. care team"),
        ]
        for (customer, subject, opening, footer) in cases {
            let m = try set.render(occurrence(Self.birthday, template: "birthday", customer: customer), configuration: config)
            #expect(m.subject == subject)
            #expect(m.body.hasPrefix(opening), "\(customer.locale ?? ""): \(m.body)")
            #expect(m.body.hasSuffix(footer + "\n"), "\(customer.locale ?? ""): \(m.body)")
            #expect(!m.body.contains("{{"))
        }
    }

    @Test func testNothingIsHTMLEscaped() throws {
        let set = load([
            "t.txt": "Subject: For {{customer.name}}: {{ticket.subject}}\n\nDear {{customer.name}},\n{{{customer.name}}} / {{&customer.name}}\n{{ticket.subject}}\n{{> sig}}\n",
            "sig.txt": "-- {{company.name}} for {{customer.name}}",
        ])
        var config = configuration(templates: set.folder)
        config.company["name"] = "Smith & Sons <care>"
        let customer = Customer(id: "C1", name: "Liam O'Connor & <Co>", email: "liam@example.com", locale: "en")
        let ticket = Ticket(id: "T1", customerID: "C1", subject: "\"Broken\" <b>kettle</b> & 'lid'", status: "solved",
                            openedAt: "2026-11-01T10:00:00Z", updatedAt: "2026-11-20T10:00:00Z", solvedAt: "2026-11-20T10:00:00Z")
        let m = try set.render(occurrence(Self.survey, template: "t", customer: customer, subject: .ticket(ticket, followUp: 1)), configuration: config)
        #expect(m.subject == "For Liam O'Connor & <Co>: \"Broken\" <b>kettle</b> & 'lid'")
        #expect(m.body == "Dear Liam O'Connor & <Co>,\nLiam O'Connor & <Co> / Liam O'Connor & <Co>\n\"Broken\" <b>kettle</b> & 'lid'\n-- Smith & Sons <care> for Liam O'Connor & <Co>")
        #expect(!m.body.contains("&amp;") && !m.body.contains("&lt;") && !m.body.contains("&#39;") && !m.body.contains("&quot;"))
    }

    static let dated = "{{purchase.purchased_at}}|{{purchase.amount}}"

    @Test(arguments: [
        ("th", "THB", "9 พฤศจิกายน 2569|฿24,990.50"),
        ("hu", "HUF", "2026. november 9.|24\u{A0}990,50\u{A0}Ft"),
        ("sv-SE", "SEK", "9 november 2026|24\u{A0}990,50\u{A0}kr"),
        ("sv", "SEK", "9 november 2026|24\u{A0}990,50\u{A0}kr"),
        ("en", "GBP", "November 9, 2026|£24,990.50"),
    ])
    func testDatesAndAmountsAreFormattedForTheLocale(_ locale: String, _ currency: String, _ expected: String) throws {
        let set = load(["dated.txt": Self.dated])
        let customer = Customer(id: "C1", name: "Test Person", email: "t@example.com", locale: locale)
        let purchase = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-09T10:00:00+01:00", amount: 24_990.5, currency: currency, item: "kettle")
        let m = try set.render(occurrence(Self.postPurchase, template: "dated", customer: customer, subject: .purchase(purchase)),
                               configuration: configuration(templates: set.folder))
        #expect(m.subject == nil)
        #expect(Array(m.body.utf8) == Array(expected.utf8), "\(m.body) \(m.body.unicodeScalars.map { String($0.value, radix: 16) })")
    }

    @Test func testThaiBuddhistYearFollowsTheCustomersZone() throws {
        let set = load(["dated.txt": "{{purchase.purchased_at}}"])
        let customer = Customer(id: "C1", name: "สมชาย ใจดี", email: "s@example.co.th", locale: "th", timezone: "Asia/Bangkok")
        // 20:00 UTC on 31 December is already 1 January 2027 (พ.ศ. 2570) in Bangkok.
        let purchase = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-12-31T20:00:00Z", amount: 100, currency: "THB", item: "kettle")
        let m = try set.render(occurrence(Self.postPurchase, template: "dated", customer: customer, zone: "Asia/Bangkok", subject: .purchase(purchase)),
                               configuration: configuration(templates: set.folder))
        #expect(m.body == "1 มกราคม 2570")
    }

    @Test func testAmountWithoutCurrencyIsAPlainNumber() throws {
        let set = load(["dated.txt": "{{purchase.amount}}"])
        let customer = Customer(id: "C1", name: "Emma Clarke", email: "e@example.com", locale: "en")
        let purchase = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-09T10:00:00Z", amount: 1234.5, item: "kettle")
        let m = try set.render(occurrence(Self.postPurchase, template: "dated", customer: customer, subject: .purchase(purchase)),
                               configuration: configuration(templates: set.folder))
        #expect(m.body == "1,234.5")
    }

    @Test func testFirstNamesFollowTheLanguage() throws {
        let set = load(["t.txt": "Subject: Hi {{customer.first_name}}\n\n{{customer.first_name}}"])
        let config = configuration(templates: set.folder)
        for (name, locale, first) in [("Kovács Anna", "hu", "Anna"), ("Emma Clarke", "en", "Emma"), ("Emma Clarke", "en-GB", "Emma"),
                                      ("Nagy Péter", "hu-HU", "Péter"), ("Astrid Lindqvist", "sv-SE", "Astrid")] {
            let customer = Customer(id: "C1", name: name, email: "x@example.com", locale: locale)
            let m = try set.render(occurrence(Self.birthday, template: "t", customer: customer), configuration: config)
            #expect(m.body == first, "\(name) (\(locale))")
            #expect(m.subject == "Hi \(first)")
        }
    }

    @Test func testCustomerWithoutLocaleGetsTheDefaultLocale() throws {
        let set = load(["t.txt": "Subject: Hi\n\ndefault {{customer.locale}}", "t.hu.txt": "Subject: Szia\n\nmagyar {{customer.locale}}"])
        var config = configuration(templates: set.folder)
        config.schedule.defaultLocale = "hu"
        let customer = Customer(id: "C1", name: "Kovács Anna", email: "a@example.hu")
        let m = try set.render(occurrence(Self.birthday, template: "t", customer: customer), configuration: config)
        #expect(m.body == "magyar hu")
    }

    @Test func testUsedVariableWithoutAValueIsARenderError() throws {
        let set = load(["pp.txt": "Subject: How is your {{purchase.item}}?\n\nHi\n",
                        "guarded.txt": "Subject: How is it going?\n\nHi{{#purchase.item}}, enjoy your {{purchase.item}}{{/purchase.item}}.\n"])
        let config = configuration(templates: set.folder)
        let customer = Customer(id: "C1", name: "Emma Clarke", email: "e@example.com", locale: "en")
        for item in [String?.none, ""] {
            let purchase = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-09T10:00:00Z", amount: 10, currency: "GBP", item: item)
            let error = #expect(throws: RenderError.self) {
                try set.render(occurrence(Self.postPurchase, template: "pp", customer: customer, subject: .purchase(purchase)), configuration: config)
            }
            #expect(error?.description.contains("purchase.item") == true)
        }
        // The store reads an empty item as none; guarded by a section, the sentence is left out.
        let noItem = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-09T10:00:00Z", amount: 10, currency: "GBP", item: nil)
        let left = try set.render(occurrence(Self.postPurchase, template: "guarded", customer: customer, subject: .purchase(noItem)), configuration: config)
        #expect(left.body == "Hi.\n")
        let purchase = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-09T10:00:00Z", amount: 10, currency: "GBP", item: "kettle")
        let guarded = try set.render(occurrence(Self.postPurchase, template: "guarded", customer: customer, subject: .purchase(purchase)), configuration: config)
        #expect(guarded.body == "Hi, enjoy your kettle.\n")
    }

    @Test func testUsedVariableMissingInAPartialIsARenderError() {
        let set = load(["t.txt": "Subject: Hi\n\nHi\n{{> sig}}\n", "sig.txt": "Write to {{customer.phone}}"])
        let customer = Customer(id: "C1", name: "Emma Clarke", email: "e@example.com", locale: "en")
        #expect(throws: RenderError.self) {
            try set.render(occurrence(Self.birthday, template: "t", customer: customer), configuration: configuration(templates: set.folder))
        }
    }

    @Test(arguments: ["Refund\r\nBcc: x@evil.example", "Refund\nBcc: x@evil.example", "Refund\rBcc: x", "Refund\u{2028}Bcc: x", "Refund\u{0}"])
    func testLineBreakFromTheDataInTheSubjectIsARenderError(_ ticketSubject: String) {
        let set = load(["s.txt": "Subject: Re: {{ticket.subject}}\n\nHi {{customer.first_name}}\n"])
        let customer = Customer(id: "C1", name: "Emma Clarke", email: "e@example.com", locale: "en")
        let ticket = Ticket(id: "T1", customerID: "C1", subject: ticketSubject, status: "solved",
                            openedAt: "2026-11-01T10:00:00Z", updatedAt: "2026-11-20T10:00:00Z", solvedAt: "2026-11-20T10:00:00Z")
        #expect(throws: RenderError.self) {
            try set.render(occurrence(Self.survey, template: "s", customer: customer, subject: .ticket(ticket, followUp: 1)),
                           configuration: configuration(templates: set.folder))
        }
    }

    @Test func testLineBreakFromTheDataInTheBodyIsFine() throws {
        let set = load(["s.txt": "Subject: Your ticket\n\nAbout: {{ticket.subject}}\n"])
        let customer = Customer(id: "C1", name: "Emma Clarke", email: "e@example.com", locale: "en")
        let ticket = Ticket(id: "T1", customerID: "C1", subject: "line one\r\nline two", status: "solved",
                            openedAt: "2026-11-01T10:00:00Z", updatedAt: "2026-11-20T10:00:00Z", solvedAt: "2026-11-20T10:00:00Z")
        let m = try set.render(occurrence(Self.survey, template: "s", customer: customer, subject: .ticket(ticket, followUp: 1)),
                               configuration: configuration(templates: set.folder))
        #expect(m.body == "About: line one\nline two\n")
    }

    @Test func testPartialsAreRenderedInTheCustomersLanguage() throws {
        let set = load([
            "greet.txt": "Subject: Hello\n\nHello\n{{> sig}}\n",
            "greet.sv.txt": "Subject: Hej\n\nHej\n{{> sig}}\n",
            "greet.th.txt": "Subject: สวัสดี\n\nสวัสดีค่ะ\n{{> sig}}\n",
            "greet.hu.txt": "Subject: Szia\n\nSzia\n{{> sig}}\n",
            "sig.txt": "Regards, {{company.name}}",
            "sig.sv.txt": "Hälsningar, {{company.name}}",
            "sig.th.txt": "ด้วยความปรารถนาดี {{company.name}}",
            "sig.hu.txt": "Üdvözlettel: {{company.name}}",
        ])
        let config = configuration(templates: set.folder)
        for (locale, body) in [("sv-SE", "Hej\nHälsningar, Example Kft."), ("th", "สวัสดีค่ะ\nด้วยความปรารถนาดี Example Kft."),
                               ("hu", "Szia\nÜdvözlettel: Example Kft."), ("en", "Hello\nRegards, Example Kft."),
                               ("de", "Hello\nRegards, Example Kft.")] {
            let customer = Customer(id: "C1", name: "A B", email: "a@example.com", locale: locale)
            let m = try set.render(occurrence(Self.birthday, template: "greet", customer: customer), configuration: config)
            #expect(Array(m.body.utf8) == Array(body.utf8), "\(locale): \(m.body)")
        }
    }

    @Test func testCRLFTemplateFilesRenderWithLF() throws {
        let set = load(["t.txt": "Subject: Hi {{customer.first_name}}\r\n\r\nLine one\r\nLine two {{customer.first_name}}\r\n"])
        let customer = Customer(id: "C1", name: "Emma Clarke", email: "e@example.com", locale: "en")
        let m = try set.render(occurrence(Self.birthday, template: "t", customer: customer), configuration: configuration(templates: set.folder))
        #expect(m.subject == "Hi Emma")
        #expect(m.body == "Line one\nLine two Emma\n")
    }

    @Test func testUnsubscribeURLIsAvailableOnlyWhenConfigured() throws {
        let set = load(["t.txt": "Subject: Hi\n\nUnsubscribe: {{unsubscribe_url}}\n"])
        var config = configuration(templates: set.folder)
        #expect(!set.validate(rule: rule(Self.birthday, template: "t"), channel: emailChannel, configuration: config).isEmpty)
        config.templates.unsubscribeURL = "https://example.com/u?c={customer_id}&k={key}"
        #expect(set.validate(rule: rule(Self.birthday, template: "t"), channel: emailChannel, configuration: config).isEmpty)
        let customer = Customer(id: "C 1/ő", name: "Emma Clarke", email: "e@example.com", locale: "en")
        let m = try set.render(occurrence(Self.birthday, template: "t", customer: customer), configuration: config)
        #expect(m.body == "Unsubscribe: https://example.com/u?c=C%201%2F%C5%91&k=birthday%3AC%201%2F%C5%91%3Atest\n")
    }
}

private func templateTestZone(_ name: String) -> TimeZone { zone(name) }
