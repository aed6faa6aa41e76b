import Foundation
import GRDB

/// The ledger's writes. Each is one transaction, committed with `synchronous=FULL` before it
/// returns: a row reported queued survives a crash.
extension SQLiteLedger {
    static let insertSQL = """
        INSERT INTO outbox(key, rule, customer_id, channel, recipient, recipient_name, subject, body, locale, customer_json,
                           state, due_at, deadline, queued_at, updated_at, attempts, next_attempt_at, last_error, failure_class, reply)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO NOTHING
        """

    public func enqueue(_ items: [OutboxItem], cap: FrequencyCap?, now: Date) throws -> EnqueueReport {
        guard !items.isEmpty else { return EnqueueReport() }
        return try writing { db in
            let insert = try db.makeStatement(sql: Self.insertSQL)
            // One writer at a time (the file lock, SQLite's write lock): checking the cap inside
            // this transaction is checking it under the lock.
            let capCount = try db.makeStatement(sql: """
                SELECT COUNT(*) FROM outbox WHERE customer_id = ? AND state IN \(LedgerState.sqlList(LedgerState.capStates)) AND queued_at > ?
                """)
            var report = EnqueueReport()
            for i in items {
                if let cap, i.state == .queued,
                   try Int.fetchOne(capCount, arguments: [i.customerID, now.addingTimeInterval(-cap.period.timeInterval).timeIntervalSince1970]) ?? 0 >= cap.count {
                    report.heldByCap += 1
                    continue
                }
                try insert.execute(arguments: [i.key, i.rule, i.customerID, i.channel, i.recipient, i.recipientName, i.subject, i.body,
                                               i.locale, i.customerJSON, i.state.rawValue, i.dueAt.timeIntervalSince1970,
                                               i.deadline.timeIntervalSince1970, i.queuedAt.timeIntervalSince1970, i.updatedAt.timeIntervalSince1970,
                                               i.attempts, i.nextAttemptAt?.timeIntervalSince1970, i.lastError, i.failureClass?.rawValue, i.reply])
                report.inserted += db.changesCount
                if i.state == .queued { report.queued += db.changesCount }
            }
            return report
        }
    }

    /// Under the file lock no other process holds a claim, so every `sending` row is a crashed
    /// run's: back to the queue, same key.
    @discardableResult
    public func recoverInterrupted(now: Date) throws -> Int {
        try writing { db in
            try db.execute(sql: "UPDATE outbox SET state = 'queued', claim = NULL, lease_until = NULL, updated_at = ? WHERE state = 'sending'",
                           arguments: [now.timeIntervalSince1970])
            return db.changesCount
        }
    }

    public func claim(now: Date, limit: Int) throws -> [OutboxItem] {
        let t = now.timeIntervalSince1970
        return try writing { db in
            let token = instance + ":" + UUID().uuidString.prefix(8).lowercased()
            // One statement, the rows coming back already updated (a `SELECT *` sorted whole rows,
            // bodies and all, and each was then updated on its own: ~11% of run --once's CPU).
            // Queued rows come in order from the state index's first entries; retries due now are
            // few, and sorted. `+state` in the guard: else SQLite walks the state index over every
            // queued row, checking each against the chosen keys, instead of looking the keys up.
            let statement = try db.makeStatement(sql: """
                UPDATE outbox SET state = 'sending', attempts = attempts + 1, claim = ?, updated_at = ?
                WHERE key IN (SELECT key FROM (
                        SELECT * FROM (SELECT due_at, key FROM outbox WHERE state = 'queued' ORDER BY due_at, key LIMIT ?)
                        UNION ALL
                        SELECT * FROM (SELECT due_at, key FROM outbox WHERE state = 'retry' AND next_attempt_at <= ? ORDER BY due_at, key LIMIT ?))
                      ORDER BY due_at, key LIMIT ?)
                  AND (+state = 'queued' OR (+state = 'retry' AND next_attempt_at <= ?))
                RETURNING *
                """)
            let positions = LedgerRow.positions(statement.columnNames)
            var items: [OutboxItem] = []
            items.reserveCapacity(limit)
            let rows = try Row.fetchCursor(statement, arguments: [token, t, limit, t, limit, limit, t])
            while let row = try rows.next() { items.append(try item(row, positions: positions)) }
            // RETURNING's order is SQLite's own: a claim hands out the oldest due first, ties by key
            // compared as SQLite compares it (bytes).
            items.sort { $0.dueAt != $1.dueAt ? $0.dueAt < $1.dueAt : $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return items
        }
    }

    /// Claims never run out here (one process under the file lock): nothing to renew.
    public func renew(_ claimed: [OutboxItem], now: Date) throws {}

    public func release(_ claimed: [OutboxItem], now: Date) throws {
        try writing { db in
            let statement = try db.makeStatement(sql: """
                UPDATE outbox SET state = 'queued', attempts = attempts - 1, claim = NULL, updated_at = ?
                WHERE key = ? AND state = 'sending' AND claim IS ?
                """)
            for item in claimed { try statement.execute(arguments: [now.timeIntervalSince1970, item.key, item.claim]) }
        }
    }

    /// The guarded updates ``record(_:now:)`` runs, written once: each outcome is recorded only from
    /// `sending` and only through the claim that holds the row.
    private enum RecordSQL {
        static let guarded = "WHERE key = ? AND state IN \(LedgerState.sqlList(LedgerTransition.outcomeSources)) AND claim IS ?"
        static let sent = "UPDATE outbox SET state = 'sent', reply = ?, next_attempt_at = NULL, claim = NULL, updated_at = ? \(guarded)"
        static let retry = """
            UPDATE outbox SET state = 'retry', next_attempt_at = ?, last_error = ?, failure_class = ?, claim = NULL, updated_at = ? \(guarded)
            """
        static let failed = """
            UPDATE outbox SET state = ?, last_error = ?, failure_class = ?, next_attempt_at = NULL, claim = NULL, updated_at = ? \(guarded)
            """
        static let expiredWithoutClass = """
            UPDATE outbox SET state = 'expired', last_error = ?, next_attempt_at = NULL, claim = NULL, updated_at = ? \(guarded)
            """
    }

    public func record(_ outcomes: [LedgerOutcome], now: Date) throws -> [Bool] {
        guard !outcomes.isEmpty else { return [] }
        let t = now.timeIntervalSince1970
        // One transaction for the whole group: one commit, so one fsync of the WAL, however many outcomes.
        return try writing { db in
            try outcomes.map { outcome in
                let (key, claim) = (outcome.claimed.key, outcome.claimed.claim)
                switch outcome.transition {
                case .sent(let reply):
                    try db.cachedStatement(sql: RecordSQL.sent).execute(arguments: [reply, t, key, claim])
                case .retry(let at, let error, let kind):
                    try db.cachedStatement(sql: RecordSQL.retry).execute(arguments: [at.timeIntervalSince1970, error, kind.rawValue, t, key, claim])
                case .failed(let error, let kind), .expired(let error, let kind?):
                    try db.cachedStatement(sql: RecordSQL.failed).execute(arguments: [outcome.transition.target.rawValue, error, kind.rawValue, t, key, claim])
                case .expired(let error, nil):
                    try db.cachedStatement(sql: RecordSQL.expiredWithoutClass).execute(arguments: [error, t, key, claim])
                }
                return db.changesCount == 1
            }
        }
    }

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

    public func pendingCount() throws -> Int {
        try reading { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state IN \(LedgerState.sqlList(LedgerState.waitingStates))") ?? 0 }
    }

    public func item(key: String) throws -> OutboxItem? {
        try reading { db in try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE key = ?", arguments: [key]).map(item) }
    }

    /// A row as an item; a NULL where a value belongs or an unknown state is a damaged row, never guessed.
    func item(_ row: Row) throws -> OutboxItem {
        try item(row, positions: LedgerRow.positions(row.columnNames))
    }

    /// The same, with the columns' positions found once for all the rows of a statement.
    private func item(_ row: Row, positions: [String: Int]) throws -> OutboxItem {
        let read = LedgerRow(row: row, path: path, positions: positions)
        var item = OutboxItem(key: try read.text("key"), rule: try read.text("rule"), customerID: try read.text("customer_id"),
                              channel: try read.text("channel"), recipient: try read.text("recipient"), recipientName: read.optionalText("recipient_name"),
                              subject: read.optionalText("subject"), body: try read.text("body"), locale: try read.text("locale"),
                              customerJSON: try read.text("customer_json"), state: try state(read.cell("state"), row: "row \(read.key)"),
                              dueAt: try read.date("due_at"), deadline: try read.date("deadline"), queuedAt: try read.date("queued_at"),
                              updatedAt: read.optionalDate("updated_at"), attempts: read.number("attempts").map { Int($0) } ?? 0,
                              nextAttemptAt: read.optionalDate("next_attempt_at"), lastError: read.optionalText("last_error"), reply: read.optionalText("reply"))
        item.failureClass = read.optionalText("failure_class").flatMap(FailureClass.init(rawValue:))
        item.claim = read.optionalText("claim")
        item.erasedAt = read.optionalDate("erased_at")
        return item
    }
}

/// Reads one outbox row's columns, naming the row and column when a value is missing or of the wrong type.
private struct LedgerRow {
    let row: Row
    let path: String
    /// Each column's position, found once per row or statement: GRDB's lookup by name lower-cases
    /// every column name on every call (some 200 lower-casings per row, ~2% of run --once's CPU).
    private let positions: [String: Int]

    init(row: Row, path: String, positions: [String: Int]) {
        self.row = row
        self.path = path
        self.positions = positions
    }

    /// The first position of each column name.
    static func positions<Names: Sequence<String>>(_ names: Names) -> [String: Int] {
        var positions: [String: Int] = [:]
        for (n, name) in names.enumerated() where positions[name] == nil { positions[name] = n }
        return positions
    }

    /// The cell; `.null` for a column the row does not have.
    func cell(_ column: String) -> DatabaseValue {
        guard let n = positions[column] else { return row.value(column) }
        let value: DatabaseValue = row[n]
        return value
    }

    var key: String { String.fromDatabaseValue(cell("key")) ?? "?" }

    func text(_ column: String) throws -> String {
        guard let value = String.fromDatabaseValue(cell(column)) else { throw LedgerError.damaged(path, "row \(key) has no \(column)") }
        return value
    }

    func optionalText(_ column: String) -> String? { String.fromDatabaseValue(cell(column)) }

    func date(_ column: String) throws -> Date {
        guard let value = number(column) else { throw LedgerError.damaged(path, "row \(key) has no \(column)") }
        return Date(timeIntervalSince1970: value)
    }

    func optionalDate(_ column: String) -> Date? { number(column).map(Date.init(timeIntervalSince1970:)) }

    /// A numeric cell. Not inlined: Swift 6.3's release optimizer crashes (an ownership verifier
    /// error) when GRDB's numeric conversions are inlined into the long initializer above.
    @inline(never)
    func number(_ column: String) -> Double? {
        switch cell(column).storage {
        case .int64(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }
}
