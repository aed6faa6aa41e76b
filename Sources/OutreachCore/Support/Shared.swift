/// An immutable value behind one reference, so that many holders share it instead of each
/// carrying a copy: a rule's or a channel's configuration in every one of the tens of thousands
/// of occurrences a tick plans.
final class Shared<Value: Sendable>: Sendable {
    let value: Value

    init(_ value: Value) { self.value = value }

    /// A new box holding `value` changed by `change` (the copy in copy-on-write).
    func with(_ change: (inout Value) -> Void) -> Shared {
        var copy = value
        change(&copy)
        return Shared(copy)
    }
}
