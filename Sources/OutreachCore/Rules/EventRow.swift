import Foundation

/// A row of an event table (`purchases`, `tickets`): it happened at some time, to a customer.
protocol EventRow: Sendable {
    /// The store table, for messages.
    static var table: String { get }
    /// What one row is called in a message (`purchase P1`).
    static var noun: String { get }
    var id: String { get }
    var customerID: String { get }
}

extension Purchase: EventRow {
    static let table = "purchases"
    static let noun = "purchase"
}

extension Ticket: EventRow {
    static let table = "tickets"
    static let noun = "ticket"
}

extension RuleConfiguration {
    /// Calls `body` with each row of `found` a rule can use, with its customer, zone and event
    /// time (the timestamp `column` holds, as `time` reads it). Every other row becomes a skipped
    /// row of this rule: rejected by the store, of a customer who is missing or unreadable or in
    /// an unknown zone, or without a timestamp.
    ///
    /// One row at a time, not a list of them all: at 1M customers a rule's rows with their
    /// customers are some 20k × 300 bytes, held beside the occurrences made from them.
    func forEachEvent<Row: EventRow>(in found: StoreRows<[Row]>, time column: String, _ time: (Row) -> String?, context: RuleContext,
                                     into yield: inout RuleYield, _ body: (Row, Customer, TimeZone, Date, inout RuleYield) -> Void) throws {
        yield.reject(found.rejected, rule: name)
        let resolver = try CustomerResolver(rule: self, ids: found.rows.map(\.customerID), context: context)
        for row in found.rows {
            guard let (customer, zone) = resolver.resolve(row.customerID, row: "\(Row.noun) \(row.id)", into: &yield),
                  let at = parseStoreTime(time(row), column: column, table: Row.table, id: row.id, customerID: customer.id, rule: name, into: &yield)
            else { continue }
            body(row, customer, zone, at, &yield)
        }
    }
}
