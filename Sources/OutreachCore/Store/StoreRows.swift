/// What a store query found: the rows it could read, and those it could not, each with why.
///
/// Rejected rows travel with the good ones so that every rule reports them as skipped (the log,
/// `explain`) instead of silently acting as if they did not exist.
public struct StoreRows<Rows: Sendable>: Sendable {
    public var rows: Rows
    public var rejected: [UnreadableRow]

    public init(_ rows: Rows, rejected: [UnreadableRow] = []) {
        self.rows = rows
        self.rejected = rejected
    }
}
