import Foundation

/// What one attempt to deliver a message came to, as a channel reports it.
public enum DeliveryResult: Sendable, Hashable {
    /// Accepted; `reply` is the server's answer (`250 2.0.0 Ok: queued as …`, `202`).
    case sent(reply: String)
    /// Worth trying again: a 4xx reply, a dropped connection, a timeout. `retryAfter` is the server's wish, if any.
    case temporaryFailure(String, retryAfter: TimeInterval? = nil)
    /// Never worth trying again: a 5xx reply, a refused request. `suppress` adds the address to the
    /// do-not-contact list (SMTP 5.1.1: no such mailbox).
    case permanentFailure(String, suppress: Bool = false)
}

/// Where an attempt moves a ledger row: the ledger's transitions in one place.
///
/// Valid transitions: `queued → sending` (claimed), `sending → sent | retry | failed | expired`,
/// `retry → sending` (claimed again when due), `queued | retry → expired` (deadline passed),
/// `sending → queued` (recovered after a crash, same Message-ID).
public enum LedgerTransition: Sendable, Hashable {
    case sent(reply: String)
    case retry(at: Date, error: String)
    case failed(String)
    case expired(String)

    /// Retries back off from 5 minutes, doubling, to at most 1 hour.
    public static func backoff(afterAttempt attempts: Int) -> TimeInterval {
        min(300 * pow(2, Double(max(0, attempts - 1))), 3600)
    }

    /// The transition for `result` of attempt number `attempts` (1 for the first).
    ///
    /// A retry that would fall after the row's deadline expires it instead, keeping the last error.
    public static func after(_ result: DeliveryResult, attempts: Int, now: Date, deadline: Date) -> LedgerTransition {
        switch result {
        case .sent(let reply):
            return .sent(reply: reply)
        case .permanentFailure(let reason, _):
            return .failed(reason)
        case .temporaryFailure(let reason, let retryAfter):
            let next = now.addingTimeInterval(max(backoff(afterAttempt: attempts), retryAfter ?? 0))
            if next > deadline {
                return .expired("gave up after \(attempts) attempt\(attempts == 1 ? "" : "s") (max_lateness): \(reason)")
            }
            return .retry(at: next, error: reason)
        }
    }
}
