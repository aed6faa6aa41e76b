import Foundation

/// Due `after` a purchase of at least `min_amount`; held while the customer has an open ticket
/// when `skip_if_open_ticket` is set.
public struct PostPurchaseRule: Rule {
    public let configuration: RuleConfiguration

    public init(configuration: RuleConfiguration) { self.configuration = configuration }

    public func occurrences(dueIn window: ClosedRange<Date>, customerID: String?, context: RuleContext) throws -> RuleYield {
        guard case .postPurchase(let after, let minAmount, let skipIfOpenTicket) = configuration.kind else { return RuleYield() }
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
        let openTickets = skipIfOpenTicket ? try context.store.customersWithUnresolvedTickets(among: purchases.map(\.customerID)) : StoreRows([])
        // A ticket in a status nobody knows may be open: it holds the message like an open one.
        let unknownTickets = Dictionary(grouping: openTickets.rejected) { $0.customerID ?? "" }
        let events = try configuration.resolve(StoreRows(purchases, rejected: found.rejected), time: "purchased_at", \.purchasedAt, context: context, into: &yield)
        for (purchase, customer, zone, at) in events {
            let due = configuration.due(after: at, wait: after, in: zone)
            guard window.contains(due) else { continue }
            var hold: String?
            if openTickets.rows.contains(customer.id) {
                hold = "the customer has an open ticket (skip_if_open_ticket)"
            } else if let unknown = unknownTickets[customer.id]?.first {
                hold = "the customer's ticket \(unknown.id ?? "without an id") may be open: \(unknown.column) \(unknown.problem.explanation) (skip_if_open_ticket)"
            }
            yield.occurrences.append(Occurrence(key: "post_purchase:\(purchase.id)", rule: configuration, customer: customer, zone: zone,
                                                due: due, subject: .purchase(purchase), hold: hold))
        }
        return yield
    }
}
