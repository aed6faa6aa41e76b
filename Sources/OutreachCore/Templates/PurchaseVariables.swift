/// `purchase.*`: the purchase an occurrence is about (``Occurrence/About/purchase``).
enum PurchaseVariables: TemplateVariableGroup {
    static let prefix = "purchase"
    static let variables: [TemplateVariable<Purchase>] = [
        TemplateVariable("id") { purchase, _ in purchase.id },
        TemplateVariable("item") { purchase, _ in purchase.item },
        TemplateVariable("amount") { purchase, context in purchase.amount.map { context.amount($0, currency: purchase.currency) } },
        TemplateVariable("currency") { purchase, _ in purchase.currency },
        TemplateVariable("purchased_at") { purchase, context in context.date(purchase.purchasedAt) },
    ]
}
