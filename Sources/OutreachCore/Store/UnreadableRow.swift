/// A store row the daemon cannot use, and why: the tick skips it, and `explain` and the log say so.
///
/// A row is refused whole (never sent with part of it mangled, never read as if a value were
/// absent), with one of these per column at fault. Descriptions show neither an address nor a
/// blob's bytes, so they can be logged above debug level.
public struct UnreadableRow: Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with the column.
    public enum Problem: Sendable, Hashable {
        /// `id` or `customer_id` is NULL or empty: the row cannot be named or tied to a customer.
        case missingID(StoredValue)
        /// Text (or a blob read as text) that is not valid UTF-8; sent, it would arrive with U+FFFD in it.
        case notUTF8
        /// A number was expected (`amount`): text or a blob that is not a finite number.
        case notANumber(StoredValue)
        /// A ticket `status` other than exactly `open`, `pending`, `solved` or `closed`.
        case unknownStatus(StoredValue)
        /// `opted_out` in no spelling of yes or no: consent is unknown, so nothing may be sent.
        case unrecognisedConsent(StoredValue)
        /// A date that is not ISO 8601 with an offset, so it is no instant.
        case notATimestamp(StoredValue)
    }

    /// `customers`, `purchases` or `tickets`.
    public var table: String
    /// The row's id; `nil` when it has none.
    public var id: String?
    /// The customer the row belongs to; `nil` when it names none.
    public var customerID: String?
    public var column: String
    public var problem: Problem

    public init(table: String, id: String?, customerID: String?, column: String, problem: Problem) {
        self.table = table
        self.id = id
        self.customerID = customerID
        self.column = column
        self.problem = problem
    }

    /// Which row and what is wrong with it.
    public var reason: String {
        var row = "\(table) row " + (id ?? "without an id")
        if table != "customers" { row += customerID.map { " (customer \($0))" } ?? " (no customer)" }
        return "\(row): \(column) \(problem.explanation)"
    }

    public var description: String { reason + "; skipped" }
}

extension UnreadableRow.Problem {
    /// What is wrong, after the column's name.
    var explanation: String {
        switch self {
        case .missingID(let value): return "is \(value == .null ? "NULL" : "empty"), so the row cannot be told apart or tied to a customer"
        case .notUTF8: return "is not valid UTF-8 text; it would go out garbled"
        case .notANumber(let value): return "\(value) is not a number (a dot for decimals)"
        case .unknownStatus(let value): return "\(value) is not one of open, pending, solved, closed"
        case .unrecognisedConsent(let value):
            return "\(value) is not a consent value (\(Consent.spellings)); consent is unknown, so the customer gets nothing"
        case .notATimestamp(let value): return "\(value) is not an ISO 8601 timestamp with an offset"
        }
    }
}
