import Foundation

/// Read access to the business's customers, purchases and tickets.
///
/// Every query is bounded by what is near its due time (a few month-days, a time range), never the
/// whole store: a tick must cost in proportion to its candidates, not to a million customers.
/// `customerID` narrows a query to one customer for `explain`.
public protocol CustomerStore: Sendable {
    /// Customers whose birthday's `MM-DD` is one of `monthDays`; `nil` means any (with `customerID` only,
    /// so `explain` also sees a birthday too malformed to have a month-day).
    func customers(birthdayMonthDays monthDays: Set<String>?, customerID: String?) throws -> [Customer]
    /// Customers by id; ids not found are absent from the result.
    func customers(ids: [String]) throws -> [String: Customer]
    /// Purchases made within `range`.
    func purchases(madeIn range: ClosedRange<Date>, customerID: String?) throws -> [Purchase]
    /// Purchases made within `range` that are their customer's latest.
    func latestPurchases(madeIn range: ClosedRange<Date>, customerID: String?) throws -> [Purchase]
    /// Each customer's total spend, for those of `ids` with purchases.
    func lifetimeSpend(customerIDs ids: [String]) throws -> [String: Double]
    /// Tickets in `open` or `pending` last updated within `range`.
    func unresolvedTickets(updatedIn range: ClosedRange<Date>, customerID: String?) throws -> [Ticket]
    /// Tickets in `solved` or `closed` solved within `range`.
    func solvedTickets(solvedIn range: ClosedRange<Date>, customerID: String?) throws -> [Ticket]
    /// Which of `ids` have a ticket in `open` or `pending`.
    func customersWithUnresolvedTickets(among ids: [String]) throws -> Set<String>
    /// Rows whose dates the store itself cannot read, so no time-range query will ever find them.
    func unreadableRows(customerID: String?, limit: Int) throws -> [UnreadableRow]
}

/// A store row no range query can find because its date is not a timestamp.
public struct UnreadableRow: Sendable, Hashable, CustomStringConvertible {
    public var table: String
    public var id: String
    public var customerID: String
    public var column: String
    public var value: String?

    public init(table: String, id: String, customerID: String, column: String, value: String?) {
        self.table = table
        self.id = id
        self.customerID = customerID
        self.column = column
        self.value = value
    }

    public var description: String {
        "\(table) row \(id): \(column) \(value.map { "\"\($0)\"" } ?? "NULL") is not an ISO 8601 timestamp with an offset; skipped"
    }
}
