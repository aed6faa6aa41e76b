/// The variables a rule can give its template; a template using any other is refused.
public enum TemplateVariables {
    static let customer = ["customer.id", "customer.name", "customer.first_name", "customer.email", "customer.phone", "customer.locale"]
    static let purchase = ["purchase.id", "purchase.item", "purchase.amount", "purchase.currency", "purchase.purchased_at"]
    static let ticket = ["ticket.id", "ticket.subject", "ticket.status", "ticket.opened_at", "ticket.follow_up"]
    static let rule = ["rule.name", "rule.kind"]

    /// Every leaf variable name available to templates of `rule` under `configuration`.
    public static func available(for rule: RuleConfiguration, in configuration: Configuration) -> Set<String> {
        var names = Set(customer + Self.rule)
        names.formUnion(configuration.company.keys.map { "company.\($0)" })
        if configuration.templates.unsubscribeURL != nil { names.insert("unsubscribe_url") }
        switch type(of: rule.kind).about {
        case .purchase: names.formUnion(purchase)
        case .ticket: names.formUnion(ticket)
        case .customer: break
        }
        return names
    }
}
