/// The variables a rule's templates may use, and the values a message is rendered with.
///
/// Both are built from the same groups (``CustomerVariables``, ``PurchaseVariables``,
/// ``TicketVariables``, ``RuleVariables``, then `company.*` and `unsubscribe_url` from the
/// configuration), so a template `check` accepts never meets a variable rendering cannot fill.
public enum TemplateVariables {
    /// Every leaf variable name available to templates of `rule` under `configuration`.
    public static func available(for rule: RuleConfiguration, in configuration: Configuration) -> Set<String> {
        var names = Set(CustomerVariables.names + RuleVariables.names + type(of: rule.kind).about.variableNames)
        names.formUnion(configuration.company.keys.map { "company.\($0)" })
        if configuration.templates.unsubscribeURL != nil { names.insert("unsubscribe_url") }
        return names
    }

    /// The values of `occurrence`'s message, nested by prefix as Mustache looks them up, formatted
    /// for the customer's language and zone.
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
}

extension Occurrence.About {
    /// The variables an occurrence about this adds to the customer's.
    var variableNames: [String] {
        switch self {
        case .customer: return []
        case .purchase: return PurchaseVariables.names
        case .ticket: return TicketVariables.names
        }
    }
}
