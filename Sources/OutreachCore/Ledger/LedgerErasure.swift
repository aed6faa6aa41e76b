/// What erasing a row's personal data means, spelled once for both ledgers (the SQL is the same).
enum LedgerErasure {
    /// `erased_at IS NULL AND state IN ('sent', 'failed', 'expired')`: the rows retention has yet to
    /// erase, for the partial index and the query alike (a partial index serves only a query that
    /// repeats its terms).
    static let unerasedFinished = "erased_at IS NULL AND state IN \(LedgerState.sqlList(LedgerState.finishedStates))"

    /// The columns that hold personal data, emptied (the NOT NULL ones) or cleared: the address,
    /// name, subject, body, the customer's fields, and the server's reply and error text (which
    /// may quote the address).
    static let assignments = """
        recipient = '', recipient_name = NULL, subject = NULL, body = '', customer_json = '{}', last_error = NULL, reply = NULL
        """

    /// Rows erased per transaction: a tick after an upgrade (a year of history coming of age at
    /// once) never holds the write lock, or many row locks, for long.
    static let chunk = 2_000
}
