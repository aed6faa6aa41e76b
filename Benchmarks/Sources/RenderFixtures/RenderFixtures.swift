import Foundation
import OutreachCore

/// The fixtures: Benchmarks/bench.toml's rules, the shipped templates, one customer per language.
public struct RenderFixtures: Sendable {
    /// The four languages the issue measures, with the locale tag, name and zone of their customer.
    /// The languages measured, in the order the results list them.
    public static let languages = customers.map(\.language)

    public static let customers: [(language: String, customer: Customer)] = [
        ("hu", Customer(id: "C0000001", name: "Kovács Anna", email: "c1@example.com", phone: "+36701234567", locale: "hu", timezone: "Europe/Budapest")),
        ("sv", Customer(id: "C0000002", name: "Astrid Lindqvist", email: "c2@example.com", phone: "+46701234567", locale: "sv-SE", timezone: "Europe/Stockholm")),
        ("th", Customer(id: "C0000003", name: "สมชาย ใจดี", email: "c3@example.com", phone: "+66812345678", locale: "th", timezone: "Asia/Bangkok")),
        ("en", Customer(id: "C0000004", name: "Emma Clarke", email: "c4@example.com", phone: "+447700900123", locale: "en", timezone: "Europe/London")),
    ]

    static let items = ["hu": "kávéfőző", "sv": "kaffebryggare", "th": "เครื่องชงกาแฟ", "en": "espresso machine"]
    static let currencies = ["hu": ("HUF", 24_990.0), "sv": ("SEK", 1_290.0), "th": ("THB", 3_450.0), "en": ("USD", 89.5)]
    static let ticketSubjects = ["hu": "A hiányzó számla", "sv": "Fakturan stämmer inte", "th": "สินค้าชำรุด", "en": "My order has not arrived"]

    /// The package's folder (Benchmarks/), found from this file's place: Benchmarks/Sources/RenderFixtures/.
    public static let benchmarksFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    public let configuration: Configuration
    public let templates: TemplateSet
    public let cases: [RenderCase]

    /// Loads Benchmarks/bench.toml (its rules, company and templates folder) and builds a case per rule and language.
    public init(configFile: String = RenderFixtures.benchmarksFolder + "/bench.toml") throws {
        configuration = try ConfigurationLoader.load(file: configFile)
        let (templates, diagnostics) = TemplateSet.load(folder: configuration.templates.path)
        guard diagnostics.isEmpty else { throw DiagnosticError(diagnostics) }
        self.templates = templates
        let now = Date(timeIntervalSince1970: 1_796_032_800)  // 2026-11-30T10:00:00Z, the suite's fixed instant
        cases = configuration.rules.flatMap { rule in
            Self.customers.map { language, customer in
                let subject: Occurrence.Subject
                switch type(of: rule.kind).about {
                case .customer:
                    subject = .customer
                case .purchase:
                    let (currency, amount) = Self.currencies[language]!
                    subject = .purchase(Purchase(id: "P\(customer.id.dropFirst())-0", customerID: customer.id, purchasedAt: "2026-11-16T14:30:00+01:00",
                                                 amount: amount, currency: currency, item: Self.items[language]))
                case .ticket:
                    let solved = rule.kind.name == "satisfaction_survey"
                    subject = .ticket(Ticket(id: "T\(customer.id.dropFirst())-0", customerID: customer.id, subject: Self.ticketSubjects[language],
                                             status: solved ? "solved" : "open", openedAt: "2026-11-20T09:12:00+01:00",
                                             updatedAt: "2026-11-26T16:40:00+01:00", solvedAt: solved ? "2026-11-26T16:40:00+01:00" : nil), followUp: 1)
                }
                let occurrence = Occurrence(key: "\(rule.kind.name):\(customer.id):bench", rule: rule, customer: customer,
                                            zone: TimeZone(identifier: customer.timezone ?? "UTC") ?? .gmt, due: now, subject: subject)
                return RenderCase(template: rule.template, language: language, occurrence: occurrence)
            }
        }
    }

    /// The cases of one language, one per rule.
    public func cases(language: String) -> [RenderCase] { cases.filter { $0.language == language } }
}
