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

    /// States still waiting to be delivered: what `status` calls pending and the deliverer claims from.
    public var isPending: Bool {
        switch self {
        case .queued, .sending, .retry: return true
        case .sent, .failed, .expired: return false
        }
    }

    /// `('queued', 'retry')`: the states as an SQL list, so no query spells a state set of its own.
    static func sqlList(_ states: [LedgerState]) -> String {
        "(" + states.map { "'\($0.rawValue)'" }.joined(separator: ", ") + ")"
    }

    static let capStates = allCases.filter(\.countsTowardsCap)
    static let pendingStates = allCases.filter(\.isPending)
    /// Pending rows no attempt is under way for: queued, or waiting to retry.
    static let waitingStates: [LedgerState] = [.queued, .retry]
    /// Rows no attempt will ever change again: what `[state] retain` erases after its time.
    static let finishedStates = allCases.filter { !$0.isPending }
    /// Finished rows that did not go out: what `status` lists as problems, with retrying ones.
    static let problemStates: [LedgerState] = [.failed, .expired, .retry]
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
