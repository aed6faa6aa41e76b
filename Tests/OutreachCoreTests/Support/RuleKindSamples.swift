@testable import OutreachCore

/// One rule of every kind as an operator writes it, what it parses to and what `explain` says
/// when nothing is due. Tests that go over ``RuleConfiguration/kinds`` take their rule from here,
/// so a kind added without a sample fails them.
enum RuleKindSamples {
    struct Sample: Sendable {
        /// The kind-specific keys, one per line.
        let keys: [String]
        let kind: any RuleKind
        /// `explain`'s reason for ``customer``.
        let why: String
    }

    /// A customer with a birthday on file, for ``Sample/why``.
    static let customer = Customer(id: "C1", name: "Kovács Anna", email: "anna@example.com", birthday: "1990-05-01", tier: "silver")

    static let all: [String: Sample] = [
        "birthday": Sample(keys: ["feb29 = \"mar1\""], kind: BirthdayRule(feb29: .mar1),
                           why: "the birthday falls outside this range"),
        "post_purchase": Sample(keys: ["after = \"14d\"", "min_amount = 15000", "skip_if_open_ticket = true"],
                                kind: PostPurchaseRule(after: .days(14), minAmount: 15_000, skipIfOpenTicket: true),
                                why: "no purchase of at least 15,000 whose check-in (14d later) falls in this range"),
        "unresolved_ticket": Sample(keys: ["after = \"48h\"", "repeat_every = \"72h\"", "max_repeats = 2"],
                                    kind: UnresolvedTicketRule(after: .hours(48), repeatEvery: .hours(72), maxRepeats: 2),
                                    why: "no open or pending ticket quiet for 2d in this range"),
        "satisfaction_survey": Sample(keys: ["after = \"3d\""], kind: SatisfactionSurveyRule(after: .days(3)),
                                      why: "no ticket solved 3d before a time in this range"),
        "inactive": Sample(keys: ["tier = \"gold\"", "min_spend = 100000", "after = \"90d\""],
                           kind: InactiveRule(tier: "gold", minSpend: 100_000, after: .days(90)),
                           why: "no last purchase 90d before a time in this range (tier gold, min_spend 100,000)"),
    ]
}
