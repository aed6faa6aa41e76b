import Foundation
import GRDB

/// Erasing personal data: `[state] retain` and `outreachd forget`.
///
/// The connection runs with `secure_delete`, so erased text is overwritten in the file rather than
/// left in free space; `forget` also checkpoints and truncates the write-ahead log, whose older
/// frames would otherwise still hold the rows as they were.
extension SQLiteLedger {
    /// The keys of up to a chunk of rows retention erases (`?`: the cutoff). Named index: SQLite's
    /// planner would rather walk the state index, every sent row there is.
    static let dueForErasure = """
        SELECT key FROM outbox INDEXED BY outbox_unerased_finished WHERE \(LedgerErasure.unerasedFinished) AND updated_at < ? LIMIT \(LedgerErasure.chunk)
        """

    @discardableResult
    public func eraseFinished(before cutoff: Date, now: Date) throws -> Int {
        var total = 0
        while true {
            let erased = try writing { db in
                try db.execute(sql: "UPDATE outbox SET \(LedgerErasure.assignments), erased_at = ? WHERE key IN (\(Self.dueForErasure))",
                               arguments: [now.timeIntervalSince1970, cutoff.timeIntervalSince1970])
                return db.changesCount
            }
            total += erased
            if erased < LedgerErasure.chunk { return total }
        }
    }

    public func forget(customerID: String, addresses: [String], now: Date) throws -> ForgetReport {
        let report = try writing { db in
            var report = ForgetReport()
            let found = try String.fetchAll(db, sql: "SELECT DISTINCT recipient FROM outbox WHERE customer_id = ? AND recipient <> ''",
                                            arguments: [customerID])
            try db.execute(sql: """
                UPDATE outbox SET state = 'failed', failure_class = ?, next_attempt_at = NULL, claim = NULL, updated_at = ?
                WHERE customer_id = ? AND state IN \(LedgerState.sqlList(LedgerState.waitingStates))
                """, arguments: [FailureClass.suppressed.rawValue, now.timeIntervalSince1970, customerID])
            report.withdrawn = db.changesCount
            try db.execute(sql: "UPDATE outbox SET \(LedgerErasure.assignments), erased_at = COALESCE(erased_at, ?) WHERE customer_id = ?",
                           arguments: [now.timeIntervalSince1970, customerID])
            report.erased = db.changesCount
            // The list keeps each address as its digest, and the address itself leaves it.
            let unsuppress = try db.makeStatement(sql: "DELETE FROM suppressions WHERE address = ?")
            let suppress = try db.makeStatement(sql: """
                INSERT INTO suppressions(address, reason, created_at) VALUES (?, ?, ?) ON CONFLICT(address) DO NOTHING
                """)
            report.suppressed = ContactAddress.keys(of: found + addresses)
            for address in report.suppressed {
                try unsuppress.execute(arguments: [address])
                try suppress.execute(arguments: [ContactAddress.digest(for: address), ForgetReport.reason, now.timeIntervalSince1970])
            }
            return report
        }
        try truncateLog()
        return report
    }

    /// Copies the write-ahead log into the database and empties it, waiting (the busy timeout) for
    /// a daemon's readers to finish with it; throws when they did not.
    func truncateLog() throws {
        let busy = try writingWithoutTransaction { db in try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)").map { $0[0] as Int } ?? 0 }
        if busy != 0 { throw LedgerError.busy(path, "its write-ahead log (\(path)-wal) is still in use and keeps older copies of the erased rows; run `forget` again when the daemon is idle") }
    }

    /// Runs `body` outside any transaction (a checkpoint cannot run inside one).
    func writingWithoutTransaction<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.writeWithoutTransaction(body) } catch { throw LedgerError.database(path, error) }
    }
}
