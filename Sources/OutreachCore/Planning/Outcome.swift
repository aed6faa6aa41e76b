import Foundation

/// What becomes of an occurrence, seen from one instant.
public enum Outcome: Sendable, Hashable {
    /// Goes out now.
    case due
    /// Goes out at `until`, after waiting for each of `reasons` in turn.
    case waiting(until: Date, reasons: [Wait])
    /// Cannot go out before its deadline: it will be recorded as expired at `at`.
    case willExpire(at: Date, reasons: [Wait])
    /// Its deadline passed before it could go out.
    case expired(at: Date)
    /// The ledger already holds it (sent, queued, failed or expired): never again.
    case recorded(LedgerRecord)
    /// Nothing goes to this customer for it.
    case blocked(Block)

    /// Why an occurrence waits.
    public enum Wait: Sendable, Hashable {
        case notYetDue(until: Date)
        case quietHours(until: Date)
        /// Another message (`by`, of higher or equal priority, or sent recently) uses the customer's cap until `until`.
        case frequencyCap(until: Date, by: String)
    }

    /// Why nothing goes out.
    public enum Block: Sendable, Hashable {
        case optedOut
        case suppressed
        case noAddress(ChannelConfiguration.AddressField, channel: String)
        case held(String)
    }

    /// When it will go out, if it will.
    public func sendTime(now: Date) -> Date? {
        switch self {
        case .due: return now
        case .waiting(let until, _): return until
        default: return nil
        }
    }
}
