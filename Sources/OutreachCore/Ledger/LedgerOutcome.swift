/// Where one attempt left its claimed row: what ``Ledger/record(_:now:)`` commits, a group at a time.
public struct LedgerOutcome: Sendable, Hashable {
    /// The row as claimed: its key and the claim that must still hold it.
    public var claimed: OutboxItem
    public var transition: LedgerTransition

    public init(_ claimed: OutboxItem, _ transition: LedgerTransition) {
        self.claimed = claimed
        self.transition = transition
    }
}
