import Foundation

/// A kind of outreach: given a window of due times, the occurrences whose nominal due time falls in it.
///
/// Rules read the store through bounded queries and decide each candidate exactly in the
/// customer's zone. Whether an occurrence goes out now (quiet hours, cap, lateness, ledger) is
/// the ``Planner``'s job, so every rule is tested on dates alone.
public protocol Rule: Sendable {
    var configuration: RuleConfiguration { get }

    /// Occurrences due within `window`; `customerID` narrows to one customer (for `explain`).
    func occurrences(dueIn window: ClosedRange<Date>, customerID: String?, context: RuleContext) throws -> RuleYield
}

/// What a rule needs besides its configuration.
public struct RuleContext: Sendable {
    public var store: any CustomerStore
    /// The zone of customers who have none (`schedule.timezone`).
    public var defaultZone: TimeZone

    public init(store: any CustomerStore, defaultZone: TimeZone) {
        self.store = store
        self.defaultZone = defaultZone
    }
}

/// The occurrences a rule found, the rows it had to skip, and (when narrowed to one customer) why
/// candidates did not qualify.
public struct RuleYield: Sendable {
    public var occurrences: [Occurrence] = []
    public var skipped: [SkippedRow] = []
    public var notes: [String] = []

    public init() {}
}

extension RuleConfiguration {
    /// The rule implementation for this configuration.
    public func makeRule() -> any Rule {
        switch kind {
        case .birthday: return BirthdayRule(configuration: self)
        case .postPurchase: return PostPurchaseRule(configuration: self)
        case .unresolvedTicket: return UnresolvedTicketRule(configuration: self)
        case .satisfactionSurvey: return SatisfactionSurveyRule(configuration: self)
        case .inactive: return InactiveRule(configuration: self)
        }
    }

    /// The nominal due time of an event-based occurrence: `after` past the event, then the first
    /// `send_at` local time at or after that (when `send_at` is set).
    func due(after event: Date, wait: TimeSpan, in zone: TimeZone) -> Date {
        let earliest = event.addingTimeInterval(wait.timeInterval)
        guard let sendAt else { return earliest }
        let day = CivilDate(earliest, in: zone)
        let today = LocalTime.instant(day, sendAt, in: zone)
        return today >= earliest ? today : LocalTime.instant(day.adding(days: 1), sendAt, in: zone)
    }

    /// How far before the window an event may lie and still be due in it: the wait plus a day of `send_at` alignment.
    func eventRange(for window: ClosedRange<Date>, wait: TimeSpan, extra: TimeSpan = TimeSpan(seconds: 0)) -> ClosedRange<Date> {
        let lower = window.lowerBound.addingTimeInterval(-(wait.timeInterval + extra.timeInterval + 86_400 + 3600))
        return lower...window.upperBound.addingTimeInterval(-wait.timeInterval)
    }
}

extension Customer {
    /// The customer's zone, or the default when they have none; `nil` when the name is unknown.
    func zone(default zone: TimeZone) -> TimeZone? {
        guard let name = timezone?.trimmingCharacters(in: .whitespaces), !name.isEmpty else { return zone }
        return TimeZone(identifier: name)
    }
}

/// Looks up the customers of event rows and their zones, turning misses into skipped rows.
struct CustomerResolver {
    let rule: RuleConfiguration
    let customers: [String: Customer]
    let defaultZone: TimeZone

    init(rule: RuleConfiguration, ids: [String], context: RuleContext) throws {
        self.rule = rule
        self.customers = try context.store.customers(ids: Array(Set(ids)))
        self.defaultZone = context.defaultZone
    }

    func resolve(_ id: String, row: String, into yield: inout RuleYield) -> (Customer, TimeZone)? {
        guard let customer = customers[id] else {
            yield.skipped.append(SkippedRow(rule: rule.name, customerID: id, reason: "\(row) names customer \(id), who is not in the store; skipped"))
            return nil
        }
        guard let zone = customer.zone(default: defaultZone) else {
            yield.skipped.append(SkippedRow(rule: rule.name, customerID: id, reason: "unknown time zone \"\(customer.timezone ?? "")\"; skipped"))
            return nil
        }
        return (customer, zone)
    }
}

/// Parses a stored timestamp, recording a skipped row when it is not one.
func parseStoreTime(_ text: String?, column: String, row: String, rule: String, customerID: String, into yield: inout RuleYield) -> Date? {
    guard let text, let date = Timestamp.parse(text) else {
        yield.skipped.append(SkippedRow(rule: rule, customerID: customerID,
                                        reason: "\(row): \(column) \(text.map { "\"\($0)\"" } ?? "is empty and") is not an ISO 8601 timestamp with an offset; skipped"))
        return nil
    }
    return date
}
