import Foundation

/// Due `after` a ticket was solved, if it is still `solved` (or `closed`, which follows solved):
/// a ticket reopened since is not asked about.
public struct SatisfactionSurveyRule: Rule {
    public let configuration: RuleConfiguration

    public init(configuration: RuleConfiguration) { self.configuration = configuration }

    public func occurrences(dueIn window: ClosedRange<Date>, customerID: String?, context: RuleContext) throws -> RuleYield {
        guard case .satisfactionSurvey(let after) = configuration.kind else { return RuleYield() }
        var yield = RuleYield()
        let tickets = try context.store.solvedTickets(solvedIn: configuration.eventRange(for: window, wait: after), customerID: customerID)
        for (ticket, customer, zone, solved) in try configuration.resolve(tickets, time: "solved_at", \.solvedAt, context: context, into: &yield) {
            let due = configuration.due(after: solved, wait: after, in: zone)
            guard window.contains(due) else { continue }
            yield.occurrences.append(Occurrence(key: "satisfaction_survey:\(ticket.id)", rule: configuration, customer: customer,
                                                zone: zone, due: due, subject: .ticket(ticket, followUp: 1)))
        }
        return yield
    }
}
