import Foundation

/// What the planner needs from the daemon's own records: which keys are already taken, how many
/// messages each customer recently got (the frequency cap), and the do-not-contact list.
public protocol LedgerReader: Sendable {
    /// The records of those `keys` the ledger holds.
    func records(keys: [String]) throws -> [String: LedgerRecord]
    /// Per customer, the times of messages since `since` that count towards the cap.
    func capEvents(customerIDs: [String], since: Date) throws -> [String: [Date]]
    /// Which of `addresses` are on the suppression list, as their ``ContactAddress/key(for:)`` spellings.
    func suppressed(addresses: [String]) throws -> Set<String>
}

/// The ledger of a daemon that has never run: nothing sent, nothing suppressed.
public struct EmptyLedger: LedgerReader {
    public init() {}
    public func records(keys: [String]) throws -> [String: LedgerRecord] { [:] }
    public func capEvents(customerIDs: [String], since: Date) throws -> [String: [Date]] { [:] }
    public func suppressed(addresses: [String]) throws -> Set<String> { [] }
}
