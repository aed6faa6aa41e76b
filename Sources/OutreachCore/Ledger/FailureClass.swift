/// Why an attempt failed, as a bounded set of classes recorded with every transition.
///
/// Code that acts on a failure (suppressing an address, alerting on a class in Prometheus) reads
/// this value, never words in the server's reply, which differ between servers and languages.
public enum FailureClass: String, Sendable, Hashable, CaseIterable {
    /// The server could not be reached, or the connection broke.
    case network
    /// A connect, command or data timeout passed.
    case timeout
    /// TLS could not be set up or the certificate did not verify.
    case tls
    /// The server refused our login or signature.
    case auth
    /// The server said "try again later" (SMTP 4xx, HTTP 408/429/5xx).
    case temporary
    /// The server refused the message for good (SMTP 5xx, HTTP 4xx).
    case permanent
    /// SMTP 5.1.1: the mailbox does not exist; the address is also suppressed.
    case noSuchMailbox = "no_such_mailbox"
    /// The address is on the do-not-contact list.
    case suppressed
    /// The message could not be built from the data (a control character in a header, a template
    /// value missing, an address that is not one).
    case invalidMessage = "invalid_message"
    /// The configuration does not allow delivery (a channel removed or unusable); retried, never failed for good.
    case configuration
}
