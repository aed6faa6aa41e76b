/// One `[[rules]]` entry: when a kind of occurrence is due and how it is sent.
public struct RuleConfiguration: Sendable, Hashable {
    public var name: String
    /// The kind with its kind-specific keys: a value of one of the types ``kinds`` lists
    /// (``BirthdayRule``, ``PostPurchaseRule``, …), which also finds the occurrences.
    ///
    /// An existential rather than an enum, so that a new kind is one new type and no case here.
    public var kind: any RuleKind {
        get { comparableKind.kind }
        set { comparableKind = ComparableKind(newValue) }
    }
    // Holds `kind` so that the synthesized `Hashable` covers every stored property, kind included.
    private var comparableKind: ComparableKind
    public var channel: String
    public var template: String
    /// Higher wins when the frequency cap allows only one. Defaults to 0.
    public var priority: Int = 0
    /// Local time of day the occurrence is due at (the first such time at or after the event). Defaults to none.
    public var sendAt: TimeOfDay?
    /// How late an occurrence may still go out. Defaults to the kind's ``RuleKind/defaultMaxLateness``
    /// (1 day for birthdays, 7 days otherwise).
    public var maxLateness: TimeSpan

    public init(name: String, kind: any RuleKind, channel: String, template: String) {
        self.name = name
        self.comparableKind = ComparableKind(kind)
        self.channel = channel
        self.template = template
        self.maxLateness = type(of: kind).defaultMaxLateness
    }
}

/// A rule kind compared by its type and keys.
private struct ComparableKind: Sendable, Hashable {
    let kind: any RuleKind

    init(_ kind: any RuleKind) { self.kind = kind }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.kind.isEqual(to: rhs.kind) }

    func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
