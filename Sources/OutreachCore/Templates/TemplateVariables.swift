/// The variables a rule's templates may use.
///
/// They come from the same groups as the values a message is rendered with (``CustomerVariables``,
/// ``PurchaseVariables``, ``TicketVariables``, ``RuleVariables``, then `company.*` and
/// `unsubscribe_url` from the configuration; see ``ValueLayout``), so a template `check` accepts
/// never meets a variable rendering cannot fill.
public enum TemplateVariables {
    /// Every leaf variable name available to templates of `rule` under `configuration`.
    public static func available(for rule: RuleConfiguration, in configuration: Configuration) -> Set<String> {
        var names = Set(CustomerVariables.names + RuleVariables.names + type(of: rule.kind).about.variableNames)
        names.formUnion(configuration.company.keys.map { "company.\($0)" })
        if configuration.templates.unsubscribeURL != nil { names.insert("unsubscribe_url") }
        return names
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
