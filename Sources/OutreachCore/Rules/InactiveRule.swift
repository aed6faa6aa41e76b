import Foundation

/// Due `after` a customer's last purchase, for customers of `tier` or with lifetime spend of at
/// least `min_spend`. A new purchase makes a new last purchase, and so a new key.
public struct InactiveRule: RuleKind {
    public static let name = "inactive"
    public static let about = Occurrence.About.purchase

    /// `tier`: customers of this tier qualify whatever they spent.
    public var tier: String?
    /// `min_spend`: customers with at least this lifetime spend qualify. The config needs `tier` or `min_spend`.
    public var minSpend: Double?
    /// `after`: the wait from the last purchase.
    public var after: TimeSpan

    public init(tier: String?, minSpend: Double?, after: TimeSpan) {
        self.tier = tier
        self.minSpend = minSpend
        self.after = after
    }

    public func whyNothingDue(for customer: Customer) -> String {
        // Says " (, min_spend …)" when there is no tier; kept as `explain` has always printed it.
        "no last purchase \(after) before a time in this range\(tier.map { " (tier \($0)" } ?? " (")\(minSpend.map { ", min_spend \(ReadableAmount($0)))" } ?? ")")"
    }

    public func occurrences(of configuration: RuleConfiguration, dueIn window: ClosedRange<Date>, customerID: String?,
                            context: RuleContext) throws -> RuleYield {
        var yield = RuleYield()
        // Two purchases at the same instant can both be "latest": keep one per customer, deterministically.
        var latest: [String: (Purchase, Date)] = [:]
        // Narrowed to customers who can qualify, except for `explain`, which says why the others do not.
        let candidates = customerID == nil ? InactiveCandidates(tier: tier, minSpend: minSpend) : nil
        let found = try context.store.latestPurchases(madeIn: configuration.eventRange(for: window, wait: after), customerID: customerID,
                                                      candidates: candidates)
        yield.reject(found.rejected, rule: configuration.name)
        for purchase in found.rows {
            guard let at = parseStoreTime(purchase.purchasedAt, column: "purchased_at", table: "purchases", id: purchase.id, customerID: purchase.customerID,
                                          rule: configuration.name, into: &yield) else { continue }
            if let seen = latest[purchase.customerID], (seen.1, seen.0.id) > (at, purchase.id) { continue }
            latest[purchase.customerID] = (purchase, at)
        }
        let ids = latest.keys.sorted()
        let resolver = try CustomerResolver(rule: configuration, ids: ids, context: context)
        let needsSpend = ids.filter { tier == nil || resolver.customers[$0]?.tier != tier }
        let spend = minSpend == nil ? StoreRows([:]) : try context.store.lifetimeSpend(customerIDs: needsSpend)
        // An amount that is not a number makes the spend unknown: such a customer is skipped, not judged on the rest.
        let unknownSpend = Dictionary(grouping: spend.rejected) { $0.customerID ?? "" }
        for id in ids {
            guard let (purchase, at) = latest[id], let (customer, zone) = resolver.resolve(id, row: "purchase \(purchase.id)", into: &yield) else { continue }
            let tierMatches = tier != nil && customer.tier == tier
            if !tierMatches, let unknown = unknownSpend[id] {
                yield.reject(unknown, rule: configuration.name, context: "lifetime spend unknown")
                continue
            }
            let spent = spend.rows[id, default: 0]
            let spendMatches = minSpend.map { spent >= $0 } ?? false
            guard tierMatches || spendMatches else {
                if customerID != nil {
                    yield.notes.append("customer is not of tier \(tier ?? "-") and has spent \(ReadableAmount(spent)), below min_spend \(minSpend.map { "\(ReadableAmount($0))" } ?? "-")")
                }
                continue
            }
            let due = configuration.due(after: at, wait: after, in: zone)
            guard window.contains(due) else { continue }
            yield.occurrences.append(Occurrence(key: "\(Self.name):\(id):\(purchase.id)", rule: configuration, customer: customer, zone: zone,
                                                due: due, subject: .purchase(purchase)))
        }
        return yield
    }
}

extension InactiveRule: ConfigurableRuleKind {
    static func read(_ table: TableReader) -> Self? {
        let tier = table.string("tier"), spend = table.double("min_spend", in: ConfigurationLimits.amount)
        if !table.has("tier"), !table.has("min_spend") { table.error("kind", "an inactive rule needs tier or min_spend (or both)") }
        guard let after = table.timeSpan("after", in: ConfigurationLimits.after, required: true), tier != nil || spend != nil else { return nil }
        return Self(tier: tier, minSpend: spend, after: after)
    }
}
