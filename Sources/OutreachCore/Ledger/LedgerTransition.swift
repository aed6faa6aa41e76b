import Foundation

/// Where an attempt moves a ledger row: the ledger's transitions in one place.
///
/// Valid transitions, each applied only from the states it names (and, for a claimed row, only
/// by the claim that holds it, so a late write from a lost claim changes nothing):
/// - claim: `queued`, `retry` (when due) or `sending` (whose lease ran out) → `sending`
/// - an outcome (this type): `sending` → `sent | retry | failed | expired`
/// - release: `sending` → `queued` (claimed, never attempted: a stop)
/// - recovery: `sending` → `queued` (after a crash, same Message-ID; SQLite only, under its file lock)
/// - expiry: `queued | retry` → `expired` (deadline passed while waiting)
/// - erasure (`forget`): `queued | retry` → `failed` (suppressed), its personal data erased
public enum LedgerTransition: Sendable, Hashable {
    case sent(reply: String)
    case retry(at: Date, error: String, FailureClass)
    case failed(String, FailureClass)
    case expired(String, FailureClass?)

    /// The states an outcome may be recorded from.
    public static let outcomeSources: [LedgerState] = [.sending]

    /// The state the row is in afterwards.
    public var target: LedgerState {
        switch self {
        case .sent: return .sent
        case .retry: return .retry
        case .failed: return .failed
        case .expired: return .expired
        }
    }

    /// The failure it records, if any.
    public var failure: (error: String, kind: FailureClass?)? {
        switch self {
        case .sent: return nil
        case .retry(_, let error, let kind): return (error, kind)
        case .failed(let error, let kind): return (error, kind)
        case .expired(let error, let kind): return (error, kind)
        }
    }

    /// Retries back off from 5 minutes, doubling, to at most 1 hour.
    public static func backoff(afterAttempt attempts: Int) -> TimeInterval {
        min(300 * pow(2, Double(max(0, min(attempts, 30) - 1))), 3600)
    }

    /// The transition for `result` of attempt number `attempts` (1 for the first).
    ///
    /// A retry that would fall after the row's deadline expires it instead, keeping the last error.
    public static func after(_ result: DeliveryResult, attempts: Int, now: Date, deadline: Date) -> LedgerTransition {
        switch result {
        case .sent(let reply):
            return .sent(reply: reply)
        case .permanentFailure(let reason, let kind):
            return .failed(reason, kind)
        case .temporaryFailure(let reason, let kind, let retryAfter):
            let next = now.addingTimeInterval(max(backoff(afterAttempt: attempts), min(retryAfter ?? 0, 366 * 86_400)))
            if next > deadline {
                return .expired("gave up after \(attempts) attempt\(attempts == 1 ? "" : "s") (max_lateness): \(reason)", kind)
            }
            return .retry(at: next, error: reason, kind)
        }
    }
}
