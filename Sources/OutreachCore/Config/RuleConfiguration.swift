/// One `[[rules]]` entry: when a kind of occurrence is due and how it is sent.
public struct RuleConfiguration: Sendable, Hashable {
    /// How a 29 February birthday is kept in other years. Defaults to `feb28`.
    public enum Feb29Policy: String, Sendable, Hashable, CaseIterable {
        case feb28, mar1
    }

    /// The kind with its kind-specific keys.
    public enum Kind: Sendable, Hashable {
        case birthday(feb29: Feb29Policy)
        case postPurchase(after: TimeSpan, minAmount: Double?, skipIfOpenTicket: Bool)
        case unresolvedTicket(after: TimeSpan, repeatEvery: TimeSpan?, maxRepeats: Int)
        case satisfactionSurvey(after: TimeSpan)
        case inactive(tier: String?, minSpend: Double?, after: TimeSpan)

        /// The `kind` value as written in the config.
        public var name: String {
            switch self {
            case .birthday: return "birthday"
            case .postPurchase: return "post_purchase"
            case .unresolvedTicket: return "unresolved_ticket"
            case .satisfactionSurvey: return "satisfaction_survey"
            case .inactive: return "inactive"
            }
        }

        public static let names = ["birthday", "post_purchase", "unresolved_ticket", "satisfaction_survey", "inactive"]
    }

    public var name: String
    public var kind: Kind
    public var channel: String
    public var template: String
    /// Higher wins when the frequency cap allows only one. Defaults to 0.
    public var priority: Int = 0
    /// Local time of day the occurrence is due at (the first such time at or after the event). Defaults to none.
    public var sendAt: TimeOfDay?
    /// How late an occurrence may still go out. Defaults to 1 day for birthdays, 7 days otherwise.
    public var maxLateness: TimeSpan

    public init(name: String, kind: Kind, channel: String, template: String) {
        self.name = name
        self.kind = kind
        self.channel = channel
        self.template = template
        if case .birthday = kind { maxLateness = .days(1) } else { maxLateness = .days(7) }
    }
}
