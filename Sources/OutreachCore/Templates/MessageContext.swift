import Foundation

/// The values a template is rendered with, formatted for the customer's language and zone.
enum MessageContext {
    static func values(for occurrence: Occurrence, configuration: Configuration) -> [String: Any] {
        let customer = occurrence.customer
        let locale = customer.locale ?? configuration.schedule.defaultLocale
        let formatting = LocaleTag.formattingLocale(locale)
        var values: [String: Any] = [:]
        var c: [String: Any] = ["id": customer.id, "name": customer.name, "first_name": LocaleTag.firstName(of: customer.name, locale: locale), "locale": locale]
        c["email"] = customer.email
        c["phone"] = customer.phone
        values["customer"] = c
        values["rule"] = ["name": occurrence.rule.name, "kind": occurrence.rule.kind.name]
        values["company"] = configuration.company
        values["unsubscribe_url"] = configuration.templates.unsubscribeURL(customerID: customer.id, key: occurrence.key)
        switch occurrence.subject {
        case .customer:
            break
        case .purchase(let p):
            var purchase: [String: Any] = ["id": p.id]
            purchase["item"] = p.item
            purchase["currency"] = p.currency
            purchase["amount"] = p.amount.map { formatAmount($0, currency: p.currency, locale: formatting) }
            purchase["purchased_at"] = Timestamp.parse(p.purchasedAt).map { formatDate($0, zone: occurrence.zone, locale: formatting) }
            values["purchase"] = purchase
        case .ticket(let t, let followUp):
            var ticket: [String: Any] = ["id": t.id, "status": t.status, "follow_up": String(followUp)]
            ticket["subject"] = t.subject
            ticket["opened_at"] = Timestamp.parse(t.openedAt).map { formatDate($0, zone: occurrence.zone, locale: formatting) }
            values["ticket"] = ticket
        }
        return values
    }

    /// A long date in the locale's own calendar (Thai: Buddhist era).
    static func formatDate(_ date: Date, zone: TimeZone, locale: Locale) -> String {
        let formatter = DateFormatter()
        formatter.locale = locale
        formatter.calendar = Calendar(identifier: locale.calendar.identifier)
        formatter.timeZone = zone
        formatter.dateStyle = .long
        formatter.timeStyle = .none
        return formatter.string(from: date)
    }

    static func formatAmount(_ amount: Double, currency: String?, locale: Locale) -> String {
        let formatter = NumberFormatter()
        formatter.locale = locale
        if let currency, currency.count == 3 {
            formatter.numberStyle = .currency
            formatter.currencyCode = currency.uppercased()
        } else {
            formatter.numberStyle = .decimal
            formatter.maximumFractionDigits = 2
        }
        return formatter.string(from: NSNumber(value: amount)) ?? String(amount)
    }

    /// Looks up a dotted name in the nested values.
    static func value(_ name: String, in values: [String: Any]) -> Any? {
        var current: Any? = values
        for part in name.split(separator: ".") {
            current = (current as? [String: Any])?[String(part)]
        }
        return current
    }
}
