import Foundation

/// One row of the ledger's outbox: a rendered message under its dedupe key, and where it stands.
///
/// The rendered text is stored with the row, so a retry sends exactly what was queued even if the
/// templates were edited since.
public struct OutboxItem: Sendable, Hashable {
    public var key: String
    public var rule: String
    public var customerID: String
    public var channel: String
    public var recipient: String
    /// The customer's name, for the `To:` display name.
    public var recipientName: String?
    public var subject: String?
    public var body: String
    public var locale: String
    /// The customer's fields for HTTP channels' JSON (`id`, `name`, `email`, `phone`, `locale`).
    public var customerJSON: String
    public var state: LedgerState
    public var dueAt: Date
    public var deadline: Date
    public var queuedAt: Date
    public var updatedAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date?
    public var lastError: String?
    /// The class of `lastError`.
    public var failureClass: FailureClass?
    public var reply: String?
    /// The claim that holds the row while it is `sending`: only it may record the outcome.
    public var claim: String?
    /// When its personal data was erased (`[state] retain`, `forget`); the text fields are empty since.
    public var erasedAt: Date?

    public init(key: String, rule: String, customerID: String, channel: String, recipient: String, recipientName: String?,
                subject: String?, body: String, locale: String, customerJSON: String, state: LedgerState, dueAt: Date, deadline: Date,
                queuedAt: Date, updatedAt: Date? = nil, attempts: Int = 0, nextAttemptAt: Date? = nil, lastError: String? = nil, reply: String? = nil) {
        self.key = key
        self.rule = rule
        self.customerID = customerID
        self.channel = channel
        self.recipient = recipient
        self.recipientName = recipientName
        self.subject = subject
        self.body = body
        self.locale = locale
        self.customerJSON = customerJSON
        self.state = state
        self.dueAt = dueAt
        self.deadline = deadline
        self.queuedAt = queuedAt
        self.updatedAt = updatedAt ?? queuedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.reply = reply
    }
}
