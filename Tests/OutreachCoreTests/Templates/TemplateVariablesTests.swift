import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// What `check` lets a template use and what rendering fills stay in step, for every rule kind.
@Suite struct TemplateVariablesTests {
    let folder = TemporaryFolder()

    /// A customer, a purchase and a ticket with every field filled in.
    static let customer = Customer(id: "C1", name: "Kovács Anna", email: "anna@example.com", phone: "+36 1 234 5678", locale: "hu",
                                   timezone: "Europe/Budapest", birthday: "1990-05-01", tier: "gold", createdAt: "2020-01-01T00:00:00Z")
    static let purchase = Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-09T10:00:00+01:00", amount: 24_990, currency: "HUF", item: "kávédaráló")
    static let ticket = Ticket(id: "T1", customerID: "C1", subject: "A daráló nem működik", status: "open", openedAt: "2026-11-01T10:00:00+01:00",
                               updatedAt: "2026-11-02T10:00:00+01:00", solvedAt: "2026-11-03T10:00:00+01:00")

    static func subject(_ about: Occurrence.About) -> Occurrence.Subject {
        switch about {
        case .customer: return .customer
        case .purchase: return .purchase(purchase)
        case .ticket: return .ticket(ticket, followUp: 2)
        }
    }

    var configuration: Configuration {
        var c = Configuration(file: folder.file("outreachd.toml"), store: .sqlite(folder.file("customers.db")),
                              state: .sqlite(folder.file("state.db")), templates: .init(path: folder.file("templates")))
        c.company = ["name": "Example Kft.", "phone": "+36 1 555 0100"]
        c.templates.unsubscribeURL = "https://example.com/unsubscribe?c={customer_id}&k={key}"
        c.channels = ["email": emailChannel]
        return c
    }

    /// The nested values as dotted names, as templates spell them.
    static func flatten(_ values: [String: Any], prefix: String = "") -> [String: String] {
        var flat: [String: String] = [:]
        for (key, value) in values {
            if let nested = value as? [String: Any] {
                flat.merge(flatten(nested, prefix: prefix + key + ".")) { old, _ in old }
            } else {
                flat[prefix + key] = value as? String ?? "not a string: \(value)"
            }
        }
        return flat
    }

    @Test(arguments: RuleConfiguration.kindNames)
    func testEveryDeclaredVariableHasAValueAndNothingUndeclaredIsProduced(_ name: String) throws {
        let sample = try #require(RuleKindSamples.all[name], "kind \(name) has no sample in RuleKindSamples")
        let rule = RuleConfiguration(name: "r", kind: sample.kind, channel: "email", template: "every")
        let occurrence = Occurrence(key: "\(name):C1:test", rule: rule, customer: Self.customer, zone: zone("Europe/Budapest"),
                                    due: at("2026-11-23T09:00:00+01:00"), subject: Self.subject(type(of: sample.kind).about))
        let config = configuration
        let declared = TemplateVariables.available(for: rule, in: config)
        let produced = Self.flatten(TemplateVariables.values(for: occurrence, configuration: config))
        #expect(Set(produced.keys) == declared, "produced but not declared: \(Set(produced.keys).subtracting(declared).sorted()); declared without a value: \(declared.subtracting(produced.keys).sorted())")
        for variable in declared.sorted() {
            #expect(produced[variable]?.isEmpty == false, "\(name): \(variable) has no value")
        }

        // Through `check` and rendering themselves: a template printing every declared variable is
        // accepted, and every line of the message is filled.
        folder.write("templates/every.txt", "Subject: all\n\n" + declared.sorted().map { "\($0)=[{{\($0)}}]" }.joined(separator: "\n") + "\n")
        let (set, loadProblems) = TemplateSet.load(folder: folder.file("templates"))
        #expect(loadProblems.isEmpty, "\(loadProblems.map(\.description))")
        let problems = set.validate(rule: rule, channel: emailChannel, configuration: config)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let body = try set.render(occurrence, configuration: config).body
        for variable in declared {
            #expect(body.contains("\(variable)=[\(produced[variable] ?? "?")]"), "\(name): \(variable) is not rendered as produced:\n\(body)")
        }
    }

    @Test(arguments: RuleConfiguration.kindNames)
    func testVariablesOfOtherSubjectsAreRefused(_ name: String) throws {
        let sample = try #require(RuleKindSamples.all[name], "kind \(name) has no sample in RuleKindSamples")
        let rule = RuleConfiguration(name: "r", kind: sample.kind, channel: "email", template: "other")
        let config = configuration
        let every = Set(CustomerVariables.names + RuleVariables.names + PurchaseVariables.names + TicketVariables.names)
        let others = every.subtracting(TemplateVariables.available(for: rule, in: config)).sorted()
        #expect(Set(others) == Set(Occurrence.About.allCases.filter { $0 != type(of: sample.kind).about }.flatMap(\.variableNames)))
        folder.write("templates/other.txt", "Subject: other\n\n" + others.map { "{{\($0)}}" }.joined(separator: "\n") + "\n")
        let (set, _) = TemplateSet.load(folder: folder.file("templates"))
        let problems = set.validate(rule: rule, channel: emailChannel, configuration: config)
        #expect(problems.count == others.count, "\(problems.map(\.description))")
    }
}
