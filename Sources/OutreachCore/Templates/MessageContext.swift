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
    ///
    /// Format styles are values that cache their ICU formatter, so a tick rendering thousands of
    /// messages does not build a formatter per message.
    static func formatDate(_ date: Date, zone: TimeZone, locale: Locale) -> String {
        date.formatted(Date.FormatStyle(date: .long, time: .omitted, locale: locale, calendar: Calendar(identifier: locale.calendar.identifier), timeZone: zone))
    }

    static func formatAmount(_ amount: Double, currency: String?, locale: Locale) -> String {
        if let currency, currency.count == 3 {
            return amount.formatted(.currency(code: currency.uppercased()).locale(locale))
        }
        return amount.formatted(.number.precision(.fractionLength(0...2)).locale(locale))
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
