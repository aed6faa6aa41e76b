import Foundation

/// Formatted dates and amounts, and the locales they are formatted in, kept across the messages
/// of a tick: ICU formatting costs microseconds a value, and a tick's messages share few days,
/// amounts and languages.
///
/// A long date depends only on the local calendar day, the zone and the locale, so it is kept per
/// (day, zone, locale); an amount per (amount, currency, locale). Thread-safe, so parallel
/// renderers can share one.
final class ValueFormats: Sendable {
    private struct DateKey: Hashable {
        var day: Int
        var zone: String
        var locale: String
    }

    private struct AmountKey: Hashable {
        var amount: UInt64
        var currency: String?
        var locale: String
    }

    private struct State {
        var locales: [String: Locale] = [:]
        var dates: [DateKey: String] = [:]
        var amounts: [AmountKey: String] = [:]
    }

    /// How many values are kept at most; past it the caches start over (a store with endless
    /// distinct amounts must not grow a daemon's memory).
    private static let limit = 50_000

    private let state = Locked(State())

    init() {}

    /// `tag` as dates and amounts are formatted in (see ``LocaleTag/formattingLocale(_:)``).
    func locale(_ tag: String) -> Locale {
        if let known = state.withLock({ $0.locales[tag] }) { return known }
        let locale = LocaleTag.formattingLocale(tag)
        state.withLock { $0.locales[tag] = locale }
        return locale
    }

    /// `instant` as a long date in `zone`, for a customer of locale `tag`.
    func date(_ instant: Date, zone: TimeZone, locale tag: String) -> String {
        let offset = zone.secondsFromGMT(for: instant)
        let day = Int(((instant.timeIntervalSince1970 + Double(offset)) / 86_400).rounded(.down))
        return cached(DateKey(day: day, zone: zone.identifier, locale: tag), in: \.dates) {
            MessageContext.formatDate(instant, zone: zone, locale: locale(tag))
        }
    }

    /// `amount` for a customer of locale `tag`, with its currency when it has a three-letter code.
    func amount(_ amount: Double, currency: String?, locale tag: String) -> String {
        cached(AmountKey(amount: amount.bitPattern, currency: currency, locale: tag), in: \.amounts) {
            MessageContext.formatAmount(amount, currency: currency, locale: locale(tag))
        }
    }

    /// The text kept at `key`, or `make()`'s, kept. Formatting happens outside the lock: two
    /// threads may both format a new value, and both get the same text.
    private func cached<Key: Hashable>(_ key: Key, in table: WritableKeyPath<State, [Key: String]> & Sendable,
                                       _ make: () -> String) -> String {
        if let known = state.withLock({ $0[keyPath: table][key] }) { return known }
        let text = make()
        state.withLock {
            if $0[keyPath: table].count >= Self.limit { $0[keyPath: table].removeAll() }
            $0[keyPath: table][key] = text
        }
        return text
    }
}
