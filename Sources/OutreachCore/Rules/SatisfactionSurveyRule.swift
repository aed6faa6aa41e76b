import Foundation

/// Due `after` a ticket was solved, if it is still `solved` (or `closed`, which follows solved):
/// a ticket reopened since is not asked about.
public struct SatisfactionSurveyRule: RuleKind {
    public static let name = "satisfaction_survey"
    public static let about = Occurrence.About.ticket

    /// `after`: the wait from the ticket being solved.
    public var after: TimeSpan

    public init(after: TimeSpan) { self.after = after }

    public func whyNothingDue(for customer: Customer) -> String {
        "no ticket solved \(after) before a time in this range"
    }

    public func occurrences(of configuration: RuleConfiguration, dueIn window: ClosedRange<Date>, customerID: String?,
                            context: RuleContext) throws -> RuleYield {
        var yield = RuleYield()
        let tickets = try context.store.solvedTickets(solvedIn: configuration.eventRange(for: window, wait: after), customerID: customerID)
        try configuration.forEachEvent(in: tickets, time: "solved_at", \.solvedAt, context: context, into: &yield) { ticket, customer, zone, solved, yield in
            let due = configuration.due(after: solved, wait: after, in: zone)
            guard window.contains(due) else { return }
            yield.occurrences.append(Occurrence(key: "\(Self.name):\(ticket.id)", rule: configuration, customer: customer,
                                                zone: zone, due: due, subject: .ticket(ticket, followUp: 1)))
        }
        return yield
    }
}

extension SatisfactionSurveyRule: ConfigurableRuleKind {
    static func read(_ table: TableReader) -> Self? {
        table.timeSpan("after", in: ConfigurationLimits.after, required: true).map { Self(after: $0) }
    }
}
