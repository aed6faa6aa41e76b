import Foundation
import GRDB

/// The ledger in a SQLite state database (WAL, `synchronous=FULL`: "queued" means durable).
public final class SQLiteLedger: LedgerReader, Sendable {
    public let path: String
    let queue: DatabaseQueue

    /// Opens (and with `create`, creates and migrates) the state database.
    ///
    /// Read-only opening never creates or migrates anything: `preview` and `explain` write nowhere.
    public init(path: String, create: Bool) throws {
        if !create, !FileManager.default.fileExists(atPath: path) { throw StoreError.missing(path) }
        var configuration = GRDB.Configuration()
        configuration.readonly = !create
        configuration.busyMode = .timeout(5)
        if create {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        do {
            queue = try DatabaseQueue(path: create ? path : Self.readOnlyLocation(path), configuration: configuration)
            if create {
                try queue.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
                try Self.migrator.migrate(queue)
            } else if try queue.read({ db in try !Self.migrator.hasCompletedMigrations(db) }) {
                throw StoreError.unsupported("\(path): the state database is from another version or incomplete (run `outreachd init` to migrate it)")
            }
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.unreadable(path, error)
        }
        self.path = path
    }

    /// Where a read-only connection opens the database.
    ///
    /// A read-only connection to a WAL database creates `-wal` and `-shm` files it cannot remove,
    /// and `preview` must write nothing. With no `-wal` file everything is checkpointed into the
    /// main file, which is then opened `immutable` (Debian's SQLite takes URI file names): no
    /// locks, no side files. With a `-wal` file (a daemon is running) they exist already.
    static func readOnlyLocation(_ path: String) -> String {
        guard !FileManager.default.fileExists(atPath: path + "-wal") else { return path }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let encoded = absolute.addingPercentEncoding(withAllowedCharacters: CharacterSet.urlPathAllowed.subtracting(CharacterSet(charactersIn: "?#%"))) ?? absolute
        return "file:\(encoded)?immutable=1"
    }

    /// The state database's schema, one migration per change, so existing ledgers upgrade in place.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: outbox and suppressions") { db in
            try db.execute(sql: """
                CREATE TABLE outbox(
                  key TEXT PRIMARY KEY,
                  rule TEXT NOT NULL,
                  customer_id TEXT NOT NULL,
                  channel TEXT NOT NULL,
                  recipient TEXT NOT NULL,
                  recipient_name TEXT,
                  subject TEXT,
                  body TEXT NOT NULL,
                  locale TEXT NOT NULL,
                  customer_json TEXT NOT NULL DEFAULT '{}',
                  state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'retry', 'failed', 'expired')),
                  due_at DOUBLE NOT NULL,
                  deadline DOUBLE NOT NULL,
                  queued_at DOUBLE NOT NULL,
                  updated_at DOUBLE NOT NULL,
                  attempts INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at DOUBLE,
                  last_error TEXT,
                  reply TEXT
                );
                CREATE INDEX outbox_customer_queued_at ON outbox(customer_id, queued_at);
                CREATE INDEX outbox_state_next_attempt ON outbox(state, next_attempt_at);
                CREATE TABLE meta(name TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE suppressions(
                  address TEXT PRIMARY KEY COLLATE NOCASE,
                  reason TEXT NOT NULL,
                  created_at DOUBLE NOT NULL
                );
                """)
        }
        return migrator
    }

    public func records(keys: [String]) throws -> [String: LedgerRecord] {
        var result: [String: LedgerRecord] = [:]
        try queue.read { db in
            for chunk in keys.chunked(500) {
                let sql = "SELECT key, state, queued_at, updated_at FROM outbox WHERE key IN " + sqlList(chunk.count)
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                    let key: String = row[0]
                    result[key] = LedgerRecord(key: key, state: LedgerState(rawValue: row[1]) ?? .failed,
                                               queuedAt: Date(timeIntervalSince1970: row[2]), updatedAt: Date(timeIntervalSince1970: row[3]))
                }
            }
        }
        return result
    }

    public func capEvents(customerIDs: [String], since: Date) throws -> [String: [Date]] {
        var result: [String: [Date]] = [:]
        try queue.read { db in
            for chunk in customerIDs.chunked(500) {
                let sql = "SELECT customer_id, queued_at FROM outbox WHERE state IN ('queued', 'sending', 'sent', 'retry') AND customer_id IN " + sqlList(chunk.count) + " AND queued_at > ?"
                var arguments = StatementArguments(chunk)
                arguments += [since.timeIntervalSince1970]
                for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
                    result[row[0], default: []].append(Date(timeIntervalSince1970: row[1]))
                }
            }
        }
        return result
    }

    public func suppressed(addresses: [String]) throws -> Set<String> {
        var result: Set<String> = []
        try queue.read { db in
            for chunk in addresses.chunked(500) {
                let sql = "SELECT address FROM suppressions WHERE address IN " + sqlList(chunk.count)
                for address in try String.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) { result.insert(address.lowercased()) }
            }
        }
        return result
    }
}
