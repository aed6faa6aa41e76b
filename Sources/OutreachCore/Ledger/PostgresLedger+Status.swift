import Foundation
import PostgresNIO

/// The do-not-contact list, the daemon's own figures, and what `status` reads.
extension PostgresLedger {
    // MARK: Suppression list

    @discardableResult
    public func suppress(_ address: String, reason: String, now: Date) throws -> Bool {
        let key = ContactAddress.key(for: address)
        // A forgotten customer's address is on the list as its digest already.
        return try !run("""
            INSERT INTO outreachd.suppressions(address, reason, created_at)
            SELECT \(key), \(reason), \(now) WHERE NOT EXISTS (SELECT 1 FROM outreachd.suppressions WHERE address = \(ContactAddress.digest(for: key)))
            ON CONFLICT (address) DO NOTHING RETURNING 1
            """).isEmpty
    }

    @discardableResult
    public func unsuppress(_ address: String) throws -> Bool {
        let key = ContactAddress.key(for: address)
        return try !run("DELETE FROM outreachd.suppressions WHERE address IN (\(key), \(ContactAddress.digest(for: key))) RETURNING 1").isEmpty
    }

    public func suppressions() throws -> [Suppression] {
        try run("SELECT address, reason, created_at FROM outreachd.suppressions ORDER BY address").map { row in
            let (address, reason, since) = try decoding { try row.decode((String, String, Date).self) }
            return Suppression(address: address, reason: reason, since: since)
        }
    }

    // MARK: Ticks

    public func lastTick() throws -> Date? {
        try meta("last_tick").flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    /// The latest tick of any instance: an instance whose clock is behind never moves it back.
    public func setLastTick(_ date: Date) throws {
        let value = String(date.timeIntervalSince1970)
        _ = try run("""
            INSERT INTO outreachd.meta(name, value) VALUES ('last_tick', \(value))
            ON CONFLICT (name) DO UPDATE SET value = GREATEST(outreachd.meta.value::float8, excluded.value::float8)::text
            """)
    }

    public func setLastTickDuration(_ seconds: Double) throws {
        try setMeta("last_tick_duration", String(seconds))
    }

    func meta(_ name: String) throws -> String? {
        try run("SELECT value FROM outreachd.meta WHERE name = \(name)").first.map { row in try decoding { try row.decode(String.self) } }
    }

    func setMeta(_ name: String, _ value: String) throws {
        _ = try run("INSERT INTO outreachd.meta(name, value) VALUES (\(name), \(value)) ON CONFLICT (name) DO UPDATE SET value = excluded.value")
    }

    // MARK: Status

    public func counts() throws -> [LedgerCount] {
        try run("SELECT rule, state, count(*) FROM outreachd.outbox GROUP BY rule, state ORDER BY rule, state").map { row in
            let (rule, state, count) = try decoding { try row.decode((String, String, Int).self) }
            return LedgerCount(rule: rule, state: try self.state(state, row: "a row of rule \(rule)"), count: count)
        }
    }

    public func recentProblems(limit: Int) throws -> [OutboxItem] {
        try run("""
            SELECT * FROM outreachd.outbox WHERE state IN \(unescaped: LedgerState.sqlList(LedgerState.problemStates))
            ORDER BY updated_at DESC LIMIT \(limit)
            """).map(item)
    }

    public func metrics(now: Date) throws -> LedgerMetrics {
        let counts = try self.counts()
        let oldest = try run("""
            SELECT min(queued_at) FROM outreachd.outbox WHERE state IN \(unescaped: LedgerState.sqlList(LedgerState.pendingStates))
            """).first.flatMap { row in try decoding { try row.decode(Date?.self) } }
        let problems = try run("""
            SELECT state, failure_class, count(*) FROM outreachd.outbox WHERE state IN \(unescaped: LedgerState.sqlList(LedgerState.problemStates))
            GROUP BY state, failure_class
            """).map { row -> (LedgerState, FailureClass?, Int) in
            let (state, kind, count) = try decoding { try row.decode((String, String?, Int).self) }
            return (try self.state(state, row: "a problem row"), kind.flatMap(FailureClass.init(rawValue:)), count)
        }
        var byClass: [String: Int] = [:]
        for (state, kind, count) in problems { byClass[LedgerMetrics.reasonClass(state: state, failure: kind), default: 0] += count }
        return LedgerMetrics(counts: counts, oldestPendingAge: oldest.map { max(0, now.timeIntervalSince($0)) } ?? 0,
                             lastTick: try lastTick(), lastTickDuration: try meta("last_tick_duration").flatMap(Double.init), problemsByClass: byClass)
    }
}
