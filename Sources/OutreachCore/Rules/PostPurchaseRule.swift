import Foundation

/// Due `after` a purchase of at least `min_amount`; held while the customer has an open ticket
/// when `skip_if_open_ticket` is set.
public struct PostPurchaseRule: Rule {
    public let configuration: RuleConfiguration

    public init(configuration: RuleConfiguration) { self.configuration = configuration }

    public func occurrences(dueIn window: ClosedRange<Date>, customerID: String?, context: RuleContext) throws -> RuleYield {
        guard case .postPurchase(let after, let minAmount, let skipIfOpenTicket) = configuration.kind else { return RuleYield() }
        var yield = RuleYield()
        var purchases = try context.store.purchases(madeIn: configuration.eventRange(for: window, wait: after), customerID: customerID)
        if let minAmount {
            purchases = purchases.filter { p in
                let enough = (p.amount ?? 0) >= minAmount
                if !enough, customerID != nil {
                    yield.notes.append("purchase \(p.id): amount \(p.amount.map { String($0) } ?? "none") is below min_amount \(minAmount)")
                }
                return enough
            }
        }
        let resolver = try CustomerResolver(rule: configuration, ids: purchases.map(\.customerID), context: context)
        let withOpenTickets = skipIfOpenTicket ? try context.store.customersWithUnresolvedTickets(among: purchases.map(\.customerID)) : []
        for purchase in purchases {
            let row = "purchase \(purchase.id)"
            guard let (customer, zone) = resolver.resolve(purchase.customerID, row: row, into: &yield),
                  let at = parseStoreTime(purchase.purchasedAt, column: "purchased_at", row: row, rule: configuration.name, customerID: customer.id, into: &yield)
            else { continue }
            let due = configuration.due(after: at, wait: after, in: zone)
            guard window.contains(due) else { continue }
            yield.occurrences.append(Occurrence(key: "post_purchase:\(purchase.id)", rule: configuration, customer: customer, zone: zone,
                                                due: due, subject: .purchase(purchase),
                                                hold: withOpenTickets.contains(customer.id) ? "the customer has an open ticket (skip_if_open_ticket)" : nil))
        }
        return yield
    }
}
