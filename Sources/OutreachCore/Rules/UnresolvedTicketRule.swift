import Foundation

/// Due when an `open` or `pending` ticket has not been updated for `after`; again every
/// `repeat_every`, at most `max_repeats` more times. Follow-up N has key `unresolved_ticket:TICKET:N`,
/// N counting from 1, so a ticket gets at most `1 + max_repeats` follow-ups.
public struct UnresolvedTicketRule: RuleKind {
    public static let name = "unresolved_ticket"
    public static let about = Occurrence.About.ticket

    /// `after`: how long a ticket is quiet before the first follow-up.
    public var after: TimeSpan
    /// `repeat_every`: the time between two follow-ups. Defaults to none (one follow-up).
    public var repeatEvery: TimeSpan?
    /// `max_repeats`: follow-ups after the first. Defaults to 0.
    public var maxRepeats: Int

    public init(after: TimeSpan, repeatEvery: TimeSpan? = nil, maxRepeats: Int = 0) {
        self.after = after
        self.repeatEvery = repeatEvery
        self.maxRepeats = maxRepeats
    }

    public func whyNothingDue(for customer: Customer) -> String {
        "no open or pending ticket quiet for \(after) in this range"
    }

    public func occurrences(of configuration: RuleConfiguration, dueIn window: ClosedRange<Date>, customerID: String?,
                            context: RuleContext) throws -> RuleYield {
        var yield = RuleYield()
        let span = TimeSpan(seconds: (repeatEvery?.seconds ?? 0) * maxRepeats)
        let tickets = try context.store.unresolvedTickets(updatedIn: configuration.eventRange(for: window, wait: after, extra: span), customerID: customerID)
        try configuration.forEachEvent(in: tickets, time: "updated_at", \.updatedAt, context: context, into: &yield) { ticket, customer, zone, updated, yield in
            guard let numbers = configuration.followUpNumbers(updated: updated, after: after, every: repeatEvery, maxRepeats: maxRepeats, dueIn: window) else { return }
            for n in numbers {
                let wait = TimeSpan(seconds: after.seconds + (n - 1) * (repeatEvery?.seconds ?? 0))
                let due = configuration.due(after: updated, wait: wait, in: zone)
                guard window.contains(due) else { continue }
                yield.occurrences.append(Occurrence(key: "\(Self.name):\(ticket.id):\(n)", rule: configuration, customer: customer,
                                                    zone: zone, due: due, subject: .ticket(ticket, followUp: n)))
            }
        }
        return yield
    }
}

extension UnresolvedTicketRule: ConfigurableRuleKind {
    static func read(_ table: TableReader) -> Self? {
        let after = table.timeSpan("after", in: ConfigurationLimits.after, required: true)
        let every = table.timeSpan("repeat_every", in: ConfigurationLimits.repeatEvery)
        let repeats = table.int("max_repeats", in: ConfigurationLimits.maxRepeats) ?? 0
        // Only when repeat_every is absent: a repeat_every that is there but wrong has its own error.
        if repeats > 0, !table.has("repeat_every") { table.error("max_repeats", "max_repeats needs repeat_every (the time between two follow-ups)") }
        guard let after else { return nil }
        return Self(after: after, repeatEvery: every, maxRepeats: every == nil ? 0 : repeats)
    }
}
