import Foundation

/// Read access to the business's customers, purchases and tickets.
///
/// Every query is bounded by what is near its due time (a few month-days, a time range), never the
/// whole store: a tick must cost in proportion to its candidates, not to a million customers.
/// `customerID` narrows a query to one customer for `explain`.
///
/// Each query returns the rows it could read and, in ``StoreRows/rejected``, the rows it could
/// not (unknown consent, text that is not UTF-8, a number that is not one, no id, an unknown
/// status), so rules skip them with a reason instead of sending garbled text or guessing.
public protocol CustomerStore: Sendable {
    /// Customers whose birthday's `MM-DD` is one of `monthDays`; `nil` means any (with `customerID` only,
    /// so `explain` also sees a birthday too malformed to have a month-day).
    func customers(birthdayMonthDays monthDays: Set<String>?, customerID: String?) throws -> StoreRows<[Customer]>
    /// Customers by id; ids not found are in neither the rows nor the rejected ones.
    func customers(ids: [String]) throws -> StoreRows<[String: Customer]>
    /// Purchases made within `range`.
    func purchases(madeIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Purchase]>
    /// Purchases made within `range` that are their customer's latest; with `candidates`, those
    /// of customers who cannot qualify may be left out (see ``InactiveCandidates``), and so may
    /// the problems of their rows.
    func latestPurchases(madeIn range: ClosedRange<Date>, customerID: String?, candidates: InactiveCandidates?) throws -> StoreRows<[Purchase]>
    /// Each customer's total spend, for those of `ids` with purchases. A customer with an amount
    /// that is not a number has no total (it is unknown, not smaller); the rejected rows say why.
    func lifetimeSpend(customerIDs ids: [String]) throws -> StoreRows<[String: Double]>
    /// Tickets in `open` or `pending` last updated within `range`.
    func unresolvedTickets(updatedIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Ticket]>
    /// Tickets in `solved` or `closed` solved within `range`.
    func solvedTickets(solvedIn range: ClosedRange<Date>, customerID: String?) throws -> StoreRows<[Ticket]>
    /// Which of `ids` have a ticket in `open` or `pending`. Their tickets in a status none of the
    /// four come back rejected: such a ticket may well be open.
    func customersWithUnresolvedTickets(among ids: [String]) throws -> StoreRows<Set<String>>
    /// Rows no tick query can find: dates the store itself cannot read, statuses outside the four.
    func unreadableRows(customerID: String?, limit: Int) throws -> [UnreadableRow]
    /// The store a tick should read, asked before each tick: `nil` when this one still is; a store
    /// opened anew when the data moved under it (a SQLite file an export renamed over the old
    /// one). Throws when the store is gone, which costs that tick.
    func reopenedIfReplaced() throws -> (any CustomerStore)?
    /// A token that stays the same while nobody changes the data: the daemon's next tick then
    /// only looks at what became due since the last one. `nil` when the store cannot tell
    /// cheaply, and every tick evaluates everything. (The daemon never writes its store, so
    /// writes through this same object need not show.)
    func dataVersion() throws -> DataVersion?
}
