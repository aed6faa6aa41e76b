import Foundation

/// Due when an `open` or `pending` ticket has not been updated for `after`; again every
/// `repeat_every`, at most `max_repeats` more times. Follow-up N has key `unresolved_ticket:TICKET:N`,
/// N counting from 1, so a ticket gets at most `1 + max_repeats` follow-ups.
public struct UnresolvedTicketRule: Rule {
    public let configuration: RuleConfiguration

    public init(configuration: RuleConfiguration) { self.configuration = configuration }

    public func occurrences(dueIn window: ClosedRange<Date>, customerID: String?, context: RuleContext) throws -> RuleYield {
        guard case .unresolvedTicket(let after, let every, let maxRepeats) = configuration.kind else { return RuleYield() }
        var yield = RuleYield()
        let span = TimeSpan(seconds: (every?.seconds ?? 0) * maxRepeats)
        let tickets = try context.store.unresolvedTickets(updatedIn: configuration.eventRange(for: window, wait: after, extra: span), customerID: customerID)
        for (ticket, customer, zone, updated) in try configuration.resolve(tickets, time: "updated_at", \.updatedAt, context: context, into: &yield) {
            guard let numbers = configuration.followUpNumbers(updated: updated, after: after, every: every, maxRepeats: maxRepeats, dueIn: window) else { continue }
            for n in numbers {
                let wait = TimeSpan(seconds: after.seconds + (n - 1) * (every?.seconds ?? 0))
                let due = configuration.due(after: updated, wait: wait, in: zone)
                guard window.contains(due) else { continue }
                yield.occurrences.append(Occurrence(key: "unresolved_ticket:\(ticket.id):\(n)", rule: configuration, customer: customer,
                                                    zone: zone, due: due, subject: .ticket(ticket, followUp: n)))
            }
        }
        return yield
    }
}
