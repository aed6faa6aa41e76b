import Foundation

/// One message a rule says a customer is owed, identified by its dedupe key.
///
/// `due` is the nominal time (event + `after`, aligned to `send_at`); quiet hours and the
/// frequency cap may delay it up to `deadline`, after which it expires.
public struct Occurrence: Sendable {
    /// What the message is about, for the template's `purchase.*` / `ticket.*` variables.
    public enum Subject: Sendable, Hashable {
        case customer
        case purchase(Purchase)
        /// `followUp` counts from 1: the first follow-up, the second, …
        case ticket(Ticket, followUp: Int)

        /// Which kind of row it is, as a rule kind declares it in ``RuleKind/about``.
        public var about: About {
            switch self {
            case .customer: return .customer
            case .purchase: return .purchase
            case .ticket: return .ticket
            }
        }
    }

    /// What a rule kind's occurrences are about: the customer alone, a purchase or a ticket. It
    /// decides which variables (`purchase.*`, `ticket.*`) the kind's templates may use.
    public enum About: Sendable, Hashable, CaseIterable {
        case customer, purchase, ticket
    }

    /// The dedupe key (`birthday:C1:2026`); delivered at most once, ever.
    public var key: String {
        get { fields.value.key }
        set { fields = fields.with { $0.key = newValue } }
    }
    public var rule: RuleConfiguration {
        get { fields.value.rule }
        set { fields = fields.with { $0.rule = newValue } }
    }
    public var customer: Customer {
        get { fields.value.customer }
        set { fields = fields.with { $0.customer = newValue } }
    }
    /// The customer's zone (or the default zone when they have none).
    public var zone: TimeZone {
        get { fields.value.zone }
        set { fields = fields.with { $0.zone = newValue } }
    }
    public var due: Date {
        get { fields.value.due }
        set { fields = fields.with { $0.due = newValue } }
    }
    public var subject: Subject {
        get { fields.value.subject }
        set { fields = fields.with { $0.subject = newValue } }
    }
    /// Why it may not go out now although due, re-checked every tick (e.g. an open ticket).
    public var hold: String? {
        get { fields.value.hold }
        set { fields = fields.with { $0.hold = newValue } }
    }

    /// The fields, behind one reference: a plan moves and copies its entries (sorting, deciding,
    /// rendering), and a copy is then one retain instead of one per string of the customer and
    /// the purchase or ticket (about 20). Occurrences are built once and almost never changed.
    private var fields: Shared<Fields>

    private struct Fields: Sendable {
        var key: String
        var rule: RuleConfiguration
        var customer: Customer
        var zone: TimeZone
        var due: Date
        var subject: Subject
        var hold: String?
    }

    public init(key: String, rule: RuleConfiguration, customer: Customer, zone: TimeZone, due: Date, subject: Subject, hold: String? = nil) {
        fields = Shared(Fields(key: key, rule: rule, customer: customer, zone: zone, due: due, subject: subject, hold: hold))
    }

    /// The last moment it may still be sent: `due + max_lateness`.
    public var deadline: Date { due.addingTimeInterval(rule.maxLateness.timeInterval) }
}

/// A store row a rule could not use, with the reason `explain` and the log show.
public struct SkippedRow: Sendable, Hashable, CustomStringConvertible {
    public var rule: String
    public var customerID: String
    public var reason: String
    /// What the store could not read, when that is why (`nil` for a row the rule itself refused,
    /// such as a birthday that is no date).
    public var row: UnreadableRow?

    public init(rule: String, customerID: String, reason: String) {
        self.rule = rule
        self.customerID = customerID
        self.reason = reason
    }

    /// A row the store rejected, of a customer; `context` names what led to it (`purchase P1`)
    /// when that is another row.
    public init(rule: String, customerID: String, rejected row: UnreadableRow, context: String? = nil) {
        self.init(rule: rule, customerID: customerID, reason: (context.map { "\($0): " } ?? "") + row.reason)
        self.row = row
    }

    /// For the log and `preview`'s warnings: the rule, the customer, and the reason the row was skipped.
    public var description: String { "rule \(rule), customer \(customerID): \(reason); skipped" }
}
