import Foundation

/// A kind of outreach (`birthday`, `post_purchase`, …): one value holds a rule's kind-specific
/// keys, and the type knows everything else about the kind.
///
/// Each kind is one type in one file: its name in the config, its keys (read and checked by
/// ``ConfigurableRuleKind/read(_:)``), what its occurrences are about (and so its template
/// variables), why `explain` finds nothing due, and the occurrences themselves. Adding a kind
/// is that file plus a line in ``RuleConfiguration/kinds``.
///
/// Occurrences are found through bounded store queries and decided exactly in the customer's
/// zone. Whether one goes out now (quiet hours, cap, lateness, ledger) is the ``Planner``'s job,
/// so every kind is tested on dates alone.
public protocol RuleKind: Sendable, Hashable {
    /// The `kind` value as written in the config (`post_purchase`).
    static var name: String { get }
    /// What the occurrences are about; the template variables the kind offers follow from it.
    static var about: Occurrence.About { get }
    /// How late an occurrence may still go out unless `max_lateness` says otherwise. Defaults to 7 days.
    static var defaultMaxLateness: TimeSpan { get }

    /// For `explain`, when nothing is due in its range: what this rule needs that `customer` lacks.
    func whyNothingDue(for customer: Customer) -> String

    /// Occurrences of `configuration` (a rule of this kind) due within `window`; `customerID`
    /// narrows to one customer (for `explain`).
    func occurrences(of configuration: RuleConfiguration, dueIn window: ClosedRange<Date>, customerID: String?,
                     context: RuleContext) throws -> RuleYield
}

extension RuleKind {
    public static var defaultMaxLateness: TimeSpan { .days(7) }

    /// The kind's name as written in the config, from a value (`rule.kind.name`).
    public var name: String { Self.name }

    /// Whether `other` is a kind of the same type with the same keys.
    func isEqual(to other: any RuleKind) -> Bool { (other as? Self) == self }
}

/// A kind the loader can read from a `[[rules]]` table. Internal because ``TableReader`` is.
protocol ConfigurableRuleKind: RuleKind {
    /// The kind-specific keys of `table`, checked; `nil` after reporting what is wrong.
    ///
    /// Every key is read whatever else is wrong, so that one bad value is one error and the
    /// others are not reported as unknown.
    static func read(_ table: TableReader) -> Self?
}

extension RuleConfiguration {
    /// Every rule kind, in the order the loader names them: the one list a new kind is added to.
    static let kinds: [any ConfigurableRuleKind.Type] = [
        BirthdayRule.self,
        PostPurchaseRule.self,
        UnresolvedTicketRule.self,
        SatisfactionSurveyRule.self,
        InactiveRule.self,
    ]

    /// The `kind` values the config accepts.
    static var kindNames: [String] { kinds.map { $0.name } }

    /// The occurrences this rule finds due within `window`; `customerID` narrows to one customer (for `explain`).
    public func occurrences(dueIn window: ClosedRange<Date>, customerID: String?, context: RuleContext) throws -> RuleYield {
        let yield = try kind.occurrences(of: self, dueIn: window, customerID: customerID, context: context)
        // Templates were checked against the variables of `about`; an occurrence about anything else would render blanks.
        assert(yield.occurrences.allSatisfy { $0.subject.about == type(of: kind).about }, "\(kind.name) yields occurrences about something else")
        return yield
    }
}
