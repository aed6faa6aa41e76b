import Foundation

/// What one message's values are formatted for: the customer's language and zone.
struct MessageContext: Sendable {
    /// The customer's locale, or the default one (BCP 47).
    let locale: String
    /// The zone dates are shown in (the occurrence's: the customer's, or the default).
    let zone: TimeZone
    /// Formatted values kept between messages.
    let formats: ValueFormats

    init(locale: String, zone: TimeZone, formats: ValueFormats = ValueFormats()) {
        self.locale = locale
        self.zone = zone
        self.formats = formats
    }

    /// A stored timestamp as a long date; `nil` when it is not one.
    func date(_ stored: String) -> String? {
        Timestamp.parse(stored).map { formats.date($0, zone: zone, locale: locale) }
    }

    func amount(_ amount: Double, currency: String?) -> String {
        formats.amount(amount, currency: currency, locale: locale)
    }

    /// A long date in the locale's own calendar (Thai: Buddhist era).
    static func formatDate(_ date: Date, zone: TimeZone, locale: Locale) -> String {
        date.formatted(Date.FormatStyle(date: .long, time: .omitted, locale: locale, calendar: Calendar(identifier: locale.calendar.identifier), timeZone: zone))
    }

    static func formatAmount(_ amount: Double, currency: String?, locale: Locale) -> String {
        if let currency, currency.count == 3 {
            return amount.formatted(.currency(code: currency.uppercased()).locale(locale))
        }
        return amount.formatted(.number.precision(.fractionLength(0...2)).locale(locale))
    }
}
