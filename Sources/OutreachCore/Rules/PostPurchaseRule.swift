import Foundation

/// Due `after` a purchase of at least `min_amount`; held while the customer has an open ticket
/// when `skip_if_open_ticket` is set.
public struct PostPurchaseRule: RuleKind {
    public static let name = "post_purchase"
    public static let about = Occurrence.About.purchase

    /// `after`: the wait from the purchase.
    public var after: TimeSpan
    /// `min_amount`. Defaults to none (every purchase).
    public var minAmount: Double?
    /// `skip_if_open_ticket`. Defaults to false.
    public var skipIfOpenTicket: Bool

    public init(after: TimeSpan, minAmount: Double? = nil, skipIfOpenTicket: Bool = false) {
        self.after = after
        self.minAmount = minAmount
        self.skipIfOpenTicket = skipIfOpenTicket
    }

    public func whyNothingDue(for customer: Customer) -> String {
        "no purchase\(minAmount.map { " of at least \(ReadableAmount($0))" } ?? "") whose check-in (\(after) later) falls in this range"
    }

    public func occurrences(of configuration: RuleConfiguration, dueIn window: ClosedRange<Date>, customerID: String?,
                            context: RuleContext) throws -> RuleYield {
        var yield = RuleYield()
        let found = try context.store.purchases(madeIn: configuration.eventRange(for: window, wait: after), customerID: customerID)
        var purchases = found.rows
        if let minAmount {
            purchases = purchases.filter { p in
                let enough = (p.amount ?? 0) >= minAmount
                if !enough, customerID != nil {
                    let amount = p.amount.map { "amount \(ReadableAmount($0)) is" } ?? "has no amount, so it is"
                    yield.notes.append("purchase \(p.id): \(amount) below min_amount \(ReadableAmount(minAmount))")
                }
                return enough
            }
        }
        var dueInWindow: [(Purchase, Customer, TimeZone, Date)] = []
        try configuration.forEachEvent(in: StoreRows(purchases, rejected: found.rejected), time: "purchased_at", \.purchasedAt, context: context,
                                       into: &yield) { purchase, customer, zone, at, _ in
            let due = configuration.due(after: at, wait: after, in: zone)
            if window.contains(due) { dueInWindow.append((purchase, customer, zone, due)) }
        }
        // Asked only for the customers of occurrences: the rest of the event range yields none.
        // Sorted, so the store walks its index in order (see ``CustomerResolver``).
        let openTickets = skipIfOpenTicket && !dueInWindow.isEmpty
            ? try context.store.customersWithUnresolvedTickets(among: Set(dueInWindow.map(\.1.id)).sorted()) : StoreRows([])
        // A ticket in a status nobody knows may be open: it holds the message like an open one.
        let unknownTickets = Dictionary(grouping: openTickets.rejected) { $0.customerID ?? "" }
        yield.occurrences.reserveCapacity(dueInWindow.count)
        for (purchase, customer, zone, due) in dueInWindow {
            var hold: String?
            if openTickets.rows.contains(customer.id) {
                hold = "the customer has an open ticket (skip_if_open_ticket)"
            } else if let unknown = unknownTickets[customer.id]?.first {
                hold = "the customer's ticket \(unknown.id ?? "without an id") may be open: \(unknown.column) \(unknown.problem.explanation) (skip_if_open_ticket)"
            }
            yield.occurrences.append(Occurrence(key: "\(Self.name):\(purchase.id)", rule: configuration, customer: customer, zone: zone,
                                                due: due, subject: .purchase(purchase), hold: hold))
        }
        return yield
    }
}

extension PostPurchaseRule: ConfigurableRuleKind {
    static func read(_ table: TableReader) -> Self? {
        let after = table.timeSpan("after", in: ConfigurationLimits.after, required: true)
        let minAmount = table.double("min_amount", in: ConfigurationLimits.amount)
        let skip = table.bool("skip_if_open_ticket") ?? false
        guard let after else { return nil }
        return Self(after: after, minAmount: minAmount, skipIfOpenTicket: skip)
    }
}
