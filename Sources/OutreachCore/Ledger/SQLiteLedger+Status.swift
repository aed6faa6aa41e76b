import Foundation
import GRDB

/// The do-not-contact list, the daemon's own figures, and what `status` reads.
extension SQLiteLedger {
    // MARK: Suppression list

    public func suppress(_ address: String, reason: String, now: Date) throws -> Bool {
        let key = ContactAddress.key(for: address)
        return try writing { db in
            // A forgotten customer's address is on the list as its digest already.
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM suppressions WHERE address = ?)", arguments: [ContactAddress.digest(for: key)]) == true {
                return false
            }
            try db.execute(sql: "INSERT INTO suppressions(address, reason, created_at) VALUES (?, ?, ?) ON CONFLICT(address) DO NOTHING",
                           arguments: [key, reason, now.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    public func unsuppress(_ address: String) throws -> Bool {
        let key = ContactAddress.key(for: address)
        return try writing { db in
            try db.execute(sql: "DELETE FROM suppressions WHERE address IN (?, ?)", arguments: [key, ContactAddress.digest(for: key)])
            return db.changesCount > 0
        }
    }

    public func suppressions() throws -> [Suppression] {
        try reading { db in
            // Read leniently: a row an older version (or a hand edit) left odd must not break the listing.
            try Row.fetchAll(db, sql: "SELECT address, reason, created_at FROM suppressions ORDER BY address").map {
                Suppression(address: String.fromDatabaseValue($0[0]) ?? "", reason: String.fromDatabaseValue($0[1]) ?? "",
                            since: Date(timeIntervalSince1970: Double.fromDatabaseValue($0[2]) ?? 0))
            }
        }
    }

    // MARK: Ticks

    public func lastTick() throws -> Date? {
        try meta("last_tick").flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    public func setLastTick(_ date: Date) throws {
        try setMeta("last_tick", String(date.timeIntervalSince1970))
    }

    public func setLastTickDuration(_ seconds: Double) throws {
        try setMeta("last_tick_duration", String(seconds))
    }

    func meta(_ name: String) throws -> String? {
        try reading { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    func setMeta(_ name: String, _ value: String) throws {
        try writing { db in
            try db.execute(sql: "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                           arguments: [name, value])
        }
    }

    // MARK: Status

    public func counts() throws -> [LedgerCount] {
        try reading { db in
            try Row.fetchAll(db, sql: "SELECT rule, state, COUNT(*) FROM outbox GROUP BY rule, state ORDER BY rule, state").map {
                let rule = String.fromDatabaseValue($0[0]) ?? "?"
                return LedgerCount(rule: rule, state: try state($0[1], row: "a row of rule \(rule)"), count: $0[2])
            }
        }
    }

    public func recentProblems(limit: Int) throws -> [OutboxItem] {
        try reading { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE state IN \(LedgerState.sqlList(LedgerState.problemStates)) ORDER BY updated_at DESC LIMIT ?",
                             arguments: [limit]).map(item)
        }
    }

    public func metrics(now: Date) throws -> LedgerMetrics {
        let counts = try self.counts()
        let (oldest, problems) = try reading { db -> (Double?, [Row]) in
            let oldest = try Double.fetchOne(db, sql: "SELECT MIN(queued_at) FROM outbox WHERE state IN \(LedgerState.sqlList(LedgerState.pendingStates))")
            let problems = try Row.fetchAll(db, sql: """
                SELECT state, failure_class, COUNT(*) FROM outbox WHERE state IN \(LedgerState.sqlList(LedgerState.problemStates))
                GROUP BY state, failure_class
                """)
            return (oldest, problems)
        }
        var byClass: [String: Int] = [:]
        for row in problems {
            let state = try state(row[0], row: "a problem row")
            let kind = String.fromDatabaseValue(row[1] as DatabaseValue).flatMap(FailureClass.init(rawValue:))
            byClass[LedgerMetrics.reasonClass(state: state, failure: kind), default: 0] += row[2] as Int
        }
        return LedgerMetrics(counts: counts, oldestPendingAge: oldest.map { max(0, now.timeIntervalSince1970 - $0) } ?? 0,
                             lastTick: try lastTick(), lastTickDuration: try meta("last_tick_duration").flatMap(Double.init), problemsByClass: byClass)
    }
}
