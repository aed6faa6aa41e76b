import Foundation
@testable import OutreachCore

/// The values of a message as swift-mustache was given them before outreachd compiled its
/// templates: dictionaries nested by prefix. The tests render with them through swift-mustache,
/// the oracle the compiled renderer is compared with, and check them against what `check` allows.
extension TemplateVariables {
    static func values(for occurrence: Occurrence, configuration: Configuration) -> [String: Any] {
        let context = MessageContext(locale: occurrence.customer.locale ?? configuration.schedule.defaultLocale, zone: occurrence.zone)
        var values: [String: Any] = [
            CustomerVariables.prefix: CustomerVariables.values(of: occurrence.customer, in: context),
            RuleVariables.prefix: RuleVariables.values(of: occurrence.rule, in: context),
            "company": configuration.company,
        ]
        values["unsubscribe_url"] = configuration.templates.unsubscribeURL(customerID: occurrence.customer.id, key: occurrence.key)
        switch occurrence.subject {
        case .customer:
            break
        case .purchase(let purchase):
            values[PurchaseVariables.prefix] = PurchaseVariables.values(of: purchase, in: context)
        case .ticket(let ticket, let followUp):
            values[TicketVariables.prefix] = TicketVariables.values(of: (ticket, followUp), in: context)
        }
        return values
    }

    /// `name` (dotted) looked up in nested `values`.
    static func value(_ name: String, in values: [String: Any]) -> Any? {
        var current: Any? = values
        for part in name.split(separator: ".") { current = (current as? [String: Any])?[String(part)] }
        return current
    }
}

extension TemplateVariableGroup {
    /// The values for `source` by name after the prefix (`item`), without those it has none for.
    static func values(of source: Source, in context: MessageContext) -> [String: String] {
        var values: [String: String] = [:]
        for variable in variables { values[variable.name] = variable.value(source, context) }
        return values
    }
}
