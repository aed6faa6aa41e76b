/// `customer.*`: the customer every message goes to.
enum CustomerVariables: TemplateVariableGroup {
    static let prefix = "customer"
    static let variables: [TemplateVariable<Customer>] = [
        TemplateVariable("id") { customer, _ in customer.id },
        TemplateVariable("name") { customer, _ in customer.name },
        TemplateVariable("first_name") { customer, context in LocaleTag.firstName(of: customer.name, locale: context.locale) },
        TemplateVariable("email") { customer, _ in customer.email },
        TemplateVariable("phone") { customer, _ in customer.phone },
        // The customer's, or the default one: the language the message is written in.
        TemplateVariable("locale") { _, context in context.locale },
    ]
}
