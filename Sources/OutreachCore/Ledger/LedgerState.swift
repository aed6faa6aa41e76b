/// Where an occurrence stands in the ledger: `queued → sending → sent | retry → … | failed | expired`.
public enum LedgerState: String, Sendable, Hashable, CaseIterable {
    case queued, sending, sent, retry, failed, expired

    /// States that will still deliver, or did: they count against the frequency cap.
    public var countsTowardsCap: Bool {
        switch self {
        case .queued, .sending, .sent, .retry: return true
        case .failed, .expired: return false
        }
    }
}

import Foundation

/// What the ledger holds about one dedupe key.
public struct LedgerRecord: Sendable, Hashable {
    public var key: String
    public var state: LedgerState
    /// When it entered the ledger.
    public var queuedAt: Date
    /// When it was last changed (the send time for `sent`).
    public var updatedAt: Date

    public init(key: String, state: LedgerState, queuedAt: Date, updatedAt: Date) {
        self.key = key
        self.state = state
        self.queuedAt = queuedAt
        self.updatedAt = updatedAt
    }
}
