import Foundation

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
    /// Rows the store rejected that name no customer, for the plan's store report.
    public var unreadable: [UnreadableRow] = []
    public var notes: [String] = []

    public init() {}

    /// Records rows the store could not read: as skipped rows of `rule` when they name a
    /// customer, else as store rows; `context` names the row that led to them, if another.
    mutating func reject(_ rows: [UnreadableRow], rule: String, context: String? = nil) {
        for row in rows {
            if let customerID = row.customerID {
                skipped.append(SkippedRow(rule: rule, customerID: customerID, rejected: row, context: context))
            } else {
                unreadable.append(row)
            }
        }
    }
}

extension RuleConfiguration {
    /// The nominal due time of an event-based occurrence: `after` past the event, then the first
    /// `send_at` local time at or after that (when `send_at` is set).
    func due(after event: Date, wait: TimeSpan, in zone: TimeZone) -> Date {
        let earliest = event.addingTimeInterval(wait.timeInterval)
        guard let sendAt else { return earliest }
        let day = CivilDate(earliest, in: zone)
        let today = LocalTime.instant(day, sendAt, in: zone)
        return today >= earliest ? today : LocalTime.instant(day.adding(days: 1), sendAt, in: zone)
    }

    /// How far before the window an event may lie and still be due in it: the wait, plus a day
    /// of `send_at` alignment when there is one (an hour of slack when not, for the store's own
    /// reading of the time).
    func eventRange(for window: ClosedRange<Date>, wait: TimeSpan, extra: TimeSpan = TimeSpan(seconds: 0)) -> ClosedRange<Date> {
        let alignment: TimeInterval = sendAt == nil ? 3600 : 86_400 + 3600
        let lower = window.lowerBound.addingTimeInterval(-(wait.timeInterval + extra.timeInterval + alignment))
        return lower...window.upperBound.addingTimeInterval(-wait.timeInterval)
    }
}

extension Customer {
    /// The customer's zone, or the default when they have none; `nil` when the name is unknown.
    func zone(default zone: TimeZone) -> TimeZone? {
        guard let raw = timezone else { return zone }
        let name = raw.trimmingWhitespace()
        guard !name.isEmpty else { return zone }
        return TimeZone(identifier: name)
    }
}

/// Looks up the customers of event rows and their zones, turning misses and unreadable customer
/// rows into skipped rows.
struct CustomerResolver {
    let rule: RuleConfiguration
    let customers: [String: Customer]
    /// Customers whose row the store could not read, with why.
    let rejected: [String: [UnreadableRow]]
    let defaultZone: TimeZone

    init(rule: RuleConfiguration, ids: [String], context: RuleContext) throws {
        self.rule = rule
        // Sorted: the store then walks its id index and table in order, each page once, rather
        // than jumping about them (at 1M customers most lookups otherwise read a page anew).
        let found = try context.store.customers(ids: Set(ids).sorted())
        self.customers = found.rows
        self.rejected = Dictionary(grouping: found.rejected) { $0.customerID ?? "" }
        self.defaultZone = context.defaultZone
    }

    func resolve(_ id: String, row: String, into yield: inout RuleYield) -> (Customer, TimeZone)? {
        if let problems = rejected[id] {
            yield.reject(problems, rule: rule.name, context: row)
            return nil
        }
        guard let customer = customers[id] else {
            yield.skipped.append(SkippedRow(rule: rule.name, customerID: id, reason: "\(row) names customer \(id), who is not in the store"))
            return nil
        }
        guard let zone = customer.zone(default: defaultZone) else {
            yield.skipped.append(SkippedRow(rule: rule.name, customerID: id, reason: "unknown time zone \"\(customer.timezone ?? "")\""))
            return nil
        }
        return (customer, zone)
    }
}

/// Parses a stored timestamp of row `id` of `table`, recording it as unreadable when it is not one.
func parseStoreTime(_ text: String?, column: String, table: String, id: String, customerID: String, rule: String,
                    into yield: inout RuleYield) -> Date? {
    guard let text, let date = Timestamp.parse(text) else {
        let value: StoredValue = text.map { .text($0) } ?? .null
        yield.reject([UnreadableRow(table: table, id: id, customerID: customerID, column: column, problem: .notATimestamp(value))], rule: rule)
        return nil
    }
    return date
}
