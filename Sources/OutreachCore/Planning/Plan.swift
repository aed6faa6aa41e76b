import Foundation

/// Every occurrence the rules found around one instant, with its decision, and the rows they skipped.
public struct Plan: Sendable {
    public var now: Date
    public var entries: [PlanEntry] = []
    public var skipped: [SkippedRow] = []
    /// Why candidates of one customer did not qualify, per rule (only when narrowed to a customer).
    public var notes: [String: [String]] = [:]
    /// Store rows that name no customer or that no rule's query can find (unreadable dates,
    /// unknown ticket statuses), with why.
    public var unreadable: [UnreadableRow] = []

    public init(now: Date) { self.now = now }

    /// The occurrences that go out now.
    public var due: [PlanEntry] { entries.filter { $0.outcome == .due } }
}
