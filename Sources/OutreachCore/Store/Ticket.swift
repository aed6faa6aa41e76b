/// A row of `tickets`.
public struct Ticket: Sendable, Hashable {
    /// The states a ticket can be in; anything else in the store is a bad row.
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case open, pending, solved, closed
    }

    public var id: String
    public var customerID: String
    public var subject: String?
    /// As stored; see ``Status``.
    public var status: String
    public var openedAt: String
    public var updatedAt: String
    public var solvedAt: String?

    public init(id: String, customerID: String, subject: String? = nil, status: String, openedAt: String, updatedAt: String, solvedAt: String? = nil) {
        self.id = id
        self.customerID = customerID
        self.subject = subject
        self.status = status
        self.openedAt = openedAt
        self.updatedAt = updatedAt
        self.solvedAt = solvedAt
    }
}
