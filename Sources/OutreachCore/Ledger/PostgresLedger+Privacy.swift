import Foundation
import PostgresNIO

/// Erasing personal data on a shared ledger: `[state] retain` and `outreachd forget`.
///
/// PostgreSQL keeps an updated row's old version on disk until its space is reused (or the table
/// is rewritten by `VACUUM FULL`, which would lock out every instance): erased text leaves the
/// table at once for every reader, and the files as autovacuum reuses the space.
extension PostgresLedger {
    @discardableResult
    public func eraseFinished(before cutoff: Date, now: Date) throws -> Int {
        var total = 0
        while true {
            // SKIP LOCKED: two instances erasing at once split the rows instead of waiting on each other.
            let erased = try count(run("""
                WITH erased AS (
                  UPDATE outreachd.outbox SET \(unescaped: LedgerErasure.assignments), erased_at = \(now)
                  WHERE key IN (SELECT key FROM outreachd.outbox WHERE \(unescaped: LedgerErasure.unerasedFinished) AND updated_at < \(cutoff)
                                LIMIT \(LedgerErasure.chunk) FOR UPDATE SKIP LOCKED)
                  RETURNING 1)
                SELECT count(*) FROM erased
                """))
            total += erased
            if erased < LedgerErasure.chunk { return total }
        }
    }

    public func forget(customerID: String, addresses: [String], now: Date) throws -> ForgetReport {
        let location = location
        return try transaction { c in
            var report = ForgetReport()
            var found: [String] = []
            for row in try await c.rows("SELECT DISTINCT recipient FROM outreachd.outbox WHERE customer_id = \(customerID) AND recipient <> ''") {
                do { found.append(try row.decode(String.self)) } catch { throw LedgerError.damaged(location, "a recipient of \(customerID) cannot be read") }
            }
            func count(_ rows: [PostgresRow]) throws -> Int {
                do { return try rows.first?.decode(Int.self) ?? 0 } catch { throw LedgerError.damaged(location, "a count cannot be read") }
            }
            report.withdrawn = try count(try await c.rows("""
                WITH withdrawn AS (
                  UPDATE outreachd.outbox SET state = 'failed', failure_class = \(FailureClass.suppressed.rawValue), next_attempt_at = NULL,
                    claim = NULL, lease_until = NULL, updated_at = \(now)
                  WHERE customer_id = \(customerID) AND state IN \(unescaped: LedgerState.sqlList(LedgerState.waitingStates)) RETURNING 1)
                SELECT count(*) FROM withdrawn
                """))
            report.erased = try count(try await c.rows("""
                WITH erased AS (
                  UPDATE outreachd.outbox SET \(unescaped: LedgerErasure.assignments), erased_at = COALESCE(erased_at, \(now))
                  WHERE customer_id = \(customerID) RETURNING 1)
                SELECT count(*) FROM erased
                """))
            // The list keeps each address as its digest, and the address itself leaves it.
            report.suppressed = ContactAddress.keys(of: found + addresses)
            for address in report.suppressed {
                try await c.query("DELETE FROM outreachd.suppressions WHERE address = \(address)", logger: PostgresPool.logger)
                try await c.query("""
                    INSERT INTO outreachd.suppressions(address, reason, created_at) VALUES (\(ContactAddress.digest(for: address)), \(ForgetReport.reason), \(now))
                    ON CONFLICT (address) DO NOTHING
                    """, logger: PostgresPool.logger)
            }
            return report
        }
    }
}
