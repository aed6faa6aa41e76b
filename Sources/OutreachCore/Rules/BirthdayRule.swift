import Foundation

/// Due on the customer's birthday in their zone, at `send_at` (local midnight when unset).
public struct BirthdayRule: RuleKind {
    /// How a 29 February birthday is kept in other years. Defaults to `feb28`.
    public enum Feb29Policy: String, Sendable, Hashable, CaseIterable {
        case feb28, mar1
    }

    public static let name = "birthday"
    public static let about = Occurrence.About.customer
    /// A greeting days late is no greeting: one day.
    public static let defaultMaxLateness = TimeSpan.days(1)

    /// `feb29`: where a 29 February birthday is kept in other years.
    public var feb29: Feb29Policy

    public init(feb29: Feb29Policy = .feb28) { self.feb29 = feb29 }

    public func whyNothingDue(for customer: Customer) -> String {
        (customer.birthday ?? "").isEmpty ? "no birthday on file" : "the birthday falls outside this range"
    }

    public func occurrences(of configuration: RuleConfiguration, dueIn window: ClosedRange<Date>, customerID: String?,
                            context: RuleContext) throws -> RuleYield {
        var yield = RuleYield()
        let monthDays = customerID == nil ? Self.monthDays(around: window, sendAt: configuration.sendAt ?? .midnight) : nil
        let candidates = try context.store.customers(birthdayMonthDays: monthDays, customerID: customerID)
        yield.reject(candidates.rejected, rule: configuration.name)
        let utc = TimeZone(identifier: "UTC")!
        let firstYear = CivilDate(window.lowerBound, in: utc).year - 1
        let lastYear = CivilDate(window.upperBound, in: utc).year + 1
        yield.occurrences.reserveCapacity(candidates.rows.count)
        for customer in candidates.rows {
            guard let raw = customer.birthday, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            guard let birthday = Birthday(parsing: raw) else {
                yield.skipped.append(SkippedRow(rule: configuration.name, customerID: customer.id,
                                                reason: "birthday \"\(raw)\" is not YYYY-MM-DD or --MM-DD, so it never triggers"))
                continue
            }
            guard let zone = customer.zone(default: context.defaultZone) else {
                yield.skipped.append(SkippedRow(rule: configuration.name, customerID: customer.id,
                                                reason: "unknown time zone \"\(customer.timezone ?? "")\""))
                continue
            }
            for year in firstYear...lastYear {
                if let born = birthday.year, year <= born { continue }
                let day = birthday.date(in: year, feb29: feb29)
                let due = LocalTime.instant(day, configuration.sendAt ?? .midnight, in: zone)
                guard window.contains(due) else { continue }
                yield.occurrences.append(Occurrence(key: "\(Self.name):\(customer.id):\(year)", rule: configuration,
                                                    customer: customer, zone: zone, due: due, subject: .customer))
            }
        }
        return yield
    }

    /// The `MM-DD` values a birthday due in `window` at `sendAt` can have, in any zone.
    ///
    /// A birthday on date D is due at `sendAt` on D in the customer's zone: in UTC, between 14
    /// hours before and 12 hours after `sendAt` on D (zones run from -12 to +14 hours), a few
    /// hours later at most when `sendAt` falls in a DST gap. So D lies between the UTC dates of
    /// the window's start less `sendAt` and 16 hours, and of its end less `sendAt` plus 15 hours
    /// (an hour of slack each side): three or four days, where a margin of two days each side of
    /// the window read twice as many customers. 29 February is asked for whenever 28 February or
    /// 1 March is, since that is where it is kept in other years.
    public static func monthDays(around window: ClosedRange<Date>, sendAt: TimeOfDay) -> Set<String> {
        let utc = TimeZone(identifier: "UTC")!
        let local = TimeInterval(sendAt.secondsSinceMidnight)
        let first = CivilDate(window.lowerBound.addingTimeInterval(-local - 16 * 3600), in: utc)
        let last = CivilDate(window.upperBound.addingTimeInterval(-local + 15 * 3600), in: utc)
        var days: Set<String> = []
        var d = first
        while d <= last, days.count < 366 {
            days.insert(d.monthDay)
            d = d.adding(days: 1)
        }
        if days.contains("02-28") || days.contains("03-01") { days.insert("02-29") }
        return days
    }
}

extension BirthdayRule: ConfigurableRuleKind {
    static func read(_ table: TableReader) -> Self? {
        Self(feb29: table.choice("feb29", Feb29Policy.self) ?? .feb28)
    }
}
