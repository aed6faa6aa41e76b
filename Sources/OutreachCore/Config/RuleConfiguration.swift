/// One `[[rules]]` entry: when a kind of occurrence is due and how it is sent.
///
/// A value type whose fields sit behind one shared reference: every occurrence carries its rule,
/// and a tick plans tens of thousands of them, so each holds a pointer rather than a copy of
/// every field.
public struct RuleConfiguration: Sendable, Hashable {
    /// The stored fields; `Hashable` synthesized over all of them, the kind included.
    private struct Fields: Sendable, Hashable {
        var name: String
        var comparableKind: ComparableKind
        var channel: String
        var template: String
        var priority = 0
        var sendAt: TimeOfDay?
        var maxLateness: TimeSpan
    }

    private var fields: Shared<Fields>

    private mutating func change(_ body: (inout Fields) -> Void) { fields = fields.with(body) }

    public var name: String {
        get { fields.value.name }
        set { change { $0.name = newValue } }
    }
    /// The kind with its kind-specific keys: a value of one of the types ``kinds`` lists
    /// (``BirthdayRule``, ``PostPurchaseRule``, …), which also finds the occurrences.
    ///
    /// An existential rather than an enum, so that a new kind is one new type and no case here.
    public var kind: any RuleKind {
        get { fields.value.comparableKind.kind }
        set { change { $0.comparableKind = ComparableKind(newValue) } }
    }
    public var channel: String {
        get { fields.value.channel }
        set { change { $0.channel = newValue } }
    }
    public var template: String {
        get { fields.value.template }
        set { change { $0.template = newValue } }
    }
    /// Higher wins when the frequency cap allows only one. Defaults to 0.
    public var priority: Int {
        get { fields.value.priority }
        set { change { $0.priority = newValue } }
    }
    /// Local time of day the occurrence is due at (the first such time at or after the event). Defaults to none.
    public var sendAt: TimeOfDay? {
        get { fields.value.sendAt }
        set { change { $0.sendAt = newValue } }
    }
    /// How late an occurrence may still go out. Defaults to the kind's ``RuleKind/defaultMaxLateness``
    /// (1 day for birthdays, 7 days otherwise).
    public var maxLateness: TimeSpan {
        get { fields.value.maxLateness }
        set { change { $0.maxLateness = newValue } }
    }

    public init(name: String, kind: any RuleKind, channel: String, template: String) {
        fields = Shared(Fields(name: name, comparableKind: ComparableKind(kind), channel: channel, template: template,
                               maxLateness: type(of: kind).defaultMaxLateness))
    }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.fields === rhs.fields || lhs.fields.value == rhs.fields.value }

    public func hash(into hasher: inout Hasher) { hasher.combine(fields.value) }
}

/// A rule kind compared by its type and keys.
private struct ComparableKind: Sendable, Hashable {
    let kind: any RuleKind

    init(_ kind: any RuleKind) { self.kind = kind }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.kind.isEqual(to: rhs.kind) }

    func hash(into hasher: inout Hasher) { hasher.combine(kind) }
}
