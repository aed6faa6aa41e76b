import Foundation
import GRDB

/// The ledger's writes. Each is one transaction, committed with `synchronous=FULL` before it
/// returns: a row reported queued survives a crash.
extension SQLiteLedger {
    /// Inserts the items whose keys the ledger does not hold yet; returns how many were new.
    ///
    /// A key is inserted once, ever: the primary key makes a second insert a no-op, which is what
    /// holds "at most once per key" across ticks, restarts and concurrent runs.
    @discardableResult
    public func enqueue(_ items: [OutboxItem]) throws -> Int {
        guard !items.isEmpty else { return 0 }
        return try writing { db in
            let statement = try db.makeStatement(sql: """
                INSERT INTO outbox(key, rule, customer_id, channel, recipient, recipient_name, subject, body, locale, customer_json,
                                   state, due_at, deadline, queued_at, updated_at, attempts, next_attempt_at, last_error, reply)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
                """)
            var inserted = 0
            for i in items {
                try statement.execute(arguments: [i.key, i.rule, i.customerID, i.channel, i.recipient, i.recipientName, i.subject, i.body,
                                                  i.locale, i.customerJSON, i.state.rawValue, i.dueAt.timeIntervalSince1970,
                                                  i.deadline.timeIntervalSince1970, i.queuedAt.timeIntervalSince1970, i.updatedAt.timeIntervalSince1970,
                                                  i.attempts, i.nextAttemptAt?.timeIntervalSince1970, i.lastError, i.reply])
                inserted += db.changesCount
            }
            return inserted
        }
    }

    /// Puts rows a crash left in `sending` back in the queue; they keep their key, so the resend
    /// carries the same Message-ID / Idempotency-Key.
    @discardableResult
    public func recoverInterrupted(now: Date) throws -> Int {
        try writing { db in
            try db.execute(sql: "UPDATE outbox SET state = 'queued', updated_at = ? WHERE state = 'sending'", arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// Moves queued rows, and retry rows whose time has come, to `sending` and returns them (oldest due first).
    public func claim(now: Date, limit: Int) throws -> [OutboxItem] {
        try writing { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE state = 'queued' OR (state = 'retry' AND next_attempt_at <= ?)
                ORDER BY due_at, key LIMIT ?
                """, arguments: [now.timeIntervalSince1970, limit])
            let statement = try db.makeStatement(sql: "UPDATE outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? WHERE key = ?")
            return try rows.map { row in
                var item = try self.item(row)
                try statement.execute(arguments: [now.timeIntervalSince1970, item.key])
                item.state = .sending
                item.attempts += 1
                item.updatedAt = now
                return item
            }
        }
    }

    /// Puts claimed rows that were never attempted back in the queue (a stop between claim and send).
    public func release(_ keys: [String], now: Date) throws {
        try writing { db in
            let statement = try db.makeStatement(sql: "UPDATE outbox SET state = 'queued', attempts = attempts - 1, updated_at = ? WHERE key = ? AND state = 'sending'")
            for key in keys { try statement.execute(arguments: [now.timeIntervalSince1970, key]) }
        }
    }

    /// Records where an attempt left a row.
    public func record(_ key: String, _ transition: LedgerTransition, now: Date) throws {
        let t = now.timeIntervalSince1970
        try writing { db in
            switch transition {
            case .sent(let reply):
                try db.execute(sql: "UPDATE outbox SET state = 'sent', reply = ?, next_attempt_at = NULL, updated_at = ? WHERE key = ?", arguments: [reply, t, key])
            case .retry(let at, let error):
                try db.execute(sql: "UPDATE outbox SET state = 'retry', next_attempt_at = ?, last_error = ?, updated_at = ? WHERE key = ?",
                               arguments: [at.timeIntervalSince1970, error, t, key])
            case .failed(let error):
                try db.execute(sql: "UPDATE outbox SET state = 'failed', last_error = ?, next_attempt_at = NULL, updated_at = ? WHERE key = ?", arguments: [error, t, key])
            case .expired(let error):
                try db.execute(sql: "UPDATE outbox SET state = 'expired', last_error = ?, next_attempt_at = NULL, updated_at = ? WHERE key = ?", arguments: [error, t, key])
            }
        }
    }

    /// Expires queued and retrying rows whose deadline has passed; returns how many.
    @discardableResult
    public func expireOverdue(now: Date) throws -> Int {
        try writing { db in
            try db.execute(sql: """
                UPDATE outbox SET state = 'expired', next_attempt_at = NULL, updated_at = ?,
                  last_error = COALESCE(last_error || '; ', '') || 'max_lateness passed before it could be delivered'
                WHERE state IN ('queued', 'retry') AND deadline < ?
                """, arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    /// Rows still to deliver: queued, sending or waiting to retry.
    public func pendingCount() throws -> Int {
        try reading { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state IN ('queued', 'sending', 'retry')") ?? 0 }
    }

    /// The row of `key`, if any.
    public func item(key: String) throws -> OutboxItem? {
        try reading { db in try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE key = ?", arguments: [key]).map(item) }
    }

    // MARK: Suppression list

    /// Adds `address` to the do-not-contact list in its one spelling (``ContactAddress/key(for:)``); returns false if it was there.
    @discardableResult
    public func suppress(_ address: String, reason: String, now: Date) throws -> Bool {
        try writing { db in
            try db.execute(sql: "INSERT INTO suppressions(address, reason, created_at) VALUES (?, ?, ?) ON CONFLICT(address) DO NOTHING",
                           arguments: [ContactAddress.key(for: address), reason, now.timeIntervalSince1970])
            return db.changesCount > 0
        }
    }

    /// Removes `address`; returns false if it was not on the list.
    @discardableResult
    public func unsuppress(_ address: String) throws -> Bool {
        try writing { db in
            try db.execute(sql: "DELETE FROM suppressions WHERE address = ?", arguments: [ContactAddress.key(for: address)])
            return db.changesCount > 0
        }
    }

    /// The whole list, by address.
    public func suppressions() throws -> [(address: String, reason: String, since: Date)] {
        try reading { db in
            // Read leniently: a row an older version (or a hand edit) left odd must not break the listing.
            try Row.fetchAll(db, sql: "SELECT address, reason, created_at FROM suppressions ORDER BY address").map {
                (String.fromDatabaseValue($0[0]) ?? "", String.fromDatabaseValue($0[1]) ?? "", Date(timeIntervalSince1970: Double.fromDatabaseValue($0[2]) ?? 0))
            }
        }
    }

    // MARK: Status

    /// Row counts by rule and state.
    public func counts() throws -> [(rule: String, state: LedgerState, count: Int)] {
        try reading { db in
            try Row.fetchAll(db, sql: "SELECT rule, state, COUNT(*) FROM outbox GROUP BY rule, state ORDER BY rule, state").map {
                ($0[0], try state($0[1], row: "a row of rule \($0[0] as String? ?? "?")"), $0[2])
            }
        }
    }

    /// The latest failed, expired or retrying rows, newest first.
    public func recentProblems(limit: Int) throws -> [OutboxItem] {
        try reading { db in
            try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE state IN ('failed', 'expired', 'retry') ORDER BY updated_at DESC LIMIT ?",
                             arguments: [limit]).map(item)
        }
    }

    /// A row as an item; a NULL where a value belongs or an unknown state is a damaged row, never guessed.
    func item(_ row: Row) throws -> OutboxItem {
        let key = String.fromDatabaseValue(row["key"] ?? .null) ?? "?"
        func text(_ column: String) throws -> String {
            guard let value = String.fromDatabaseValue(row[column] ?? .null) else { throw LedgerError.damaged(path, "row \(key) has no \(column)") }
            return value
        }
        func date(_ column: String) throws -> Date {
            guard let value = Double.fromDatabaseValue(row[column] ?? .null) else { throw LedgerError.damaged(path, "row \(key) has no \(column)") }
            return Date(timeIntervalSince1970: value)
        }
        func optionalDate(_ column: String) -> Date? { Double.fromDatabaseValue(row[column] ?? .null).map(Date.init(timeIntervalSince1970:)) }
        return OutboxItem(key: try text("key"), rule: try text("rule"), customerID: try text("customer_id"), channel: try text("channel"),
                          recipient: try text("recipient"), recipientName: row["recipient_name"], subject: row["subject"], body: try text("body"),
                          locale: try text("locale"), customerJSON: try text("customer_json"), state: try state(row["state"] ?? .null, row: "row \(key)"),
                          dueAt: try date("due_at"), deadline: try date("deadline"), queuedAt: try date("queued_at"), updatedAt: optionalDate("updated_at"),
                          attempts: Int.fromDatabaseValue(row["attempts"] ?? .null) ?? 0, nextAttemptAt: optionalDate("next_attempt_at"),
                          lastError: row["last_error"], reply: row["reply"])
    }
}

extension SQLiteLedger {
    /// When the last tick evaluated the rules, so the next one can look back over a downtime.
    public func lastTick() throws -> Date? {
        try meta("last_tick").flatMap(Double.init).map(Date.init(timeIntervalSince1970:))
    }

    public func setLastTick(_ date: Date) throws {
        try setMeta("last_tick", String(date.timeIntervalSince1970))
    }

    /// A value the daemon keeps between runs (last tick, its figures).
    public func meta(_ name: String) throws -> String? {
        try reading { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE name = ?", arguments: [name]) }
    }

    public func setMeta(_ name: String, _ value: String) throws {
        try writing { db in
            try db.execute(sql: "INSERT INTO meta(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                           arguments: [name, value])
        }
    }
}
