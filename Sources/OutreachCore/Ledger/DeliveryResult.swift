import Foundation

/// What one attempt to deliver a message came to, as a channel reports it.
public enum DeliveryResult: Sendable, Hashable {
    /// Accepted; `reply` is the server's answer (`250 2.0.0 Ok: queued as …`, `202`).
    case sent(reply: String)
    /// Worth trying again: a 4xx reply, a dropped connection, a timeout. `retryAfter` is the server's wish, if any.
    case temporaryFailure(String, FailureClass, retryAfter: TimeInterval? = nil)
    /// Never worth trying again: a 5xx reply, a refused request, a message that cannot be built.
    case permanentFailure(String, FailureClass)
}
