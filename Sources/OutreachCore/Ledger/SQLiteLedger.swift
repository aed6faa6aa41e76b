import Foundation
import GRDB

/// The ledger in a SQLite state database (WAL, `synchronous=FULL`: "queued" means durable).
///
/// One process delivers from it at a time: opening it for delivery takes an exclusive lock on
/// `PATH.lock` (a second `run` would requeue the first's in-flight rows), so claims need no lease.
public final class SQLiteLedger: Ledger, Sendable {
    public let path: String
    let queue: DatabaseQueue
    /// The file opened, to notice it removed or replaced under a running daemon.
    private let identity: FileIdentity?
    /// Held for the life of a delivering ledger; released by the kernel however the process ends.
    private let lock: InstanceLock?
    /// Names this process's claims.
    let instance = UUID().uuidString.lowercased()

    public var location: String { path }
    public var lease: TimeSpan? { nil }

    /// Opens the state database as `access` allows.
    ///
    /// A missing or empty file is refused unless `access` is `.create`: a ledger created behind
    /// the operator's back would send everything again (see ``LedgerError/missing(_:)``).
    public init(path: String, access: LedgerAccess) throws {
        if access != .create, !FileManager.default.fileExists(atPath: path) { throw LedgerError.missing(path) }
        // Before anything is read or migrated: a second `run` stops here, touching nothing.
        let lock = access == .deliver ? try InstanceLock(statePath: path) : nil
        var configuration = GRDB.Configuration()
        configuration.readonly = access == .read
        configuration.busyMode = .timeout(5)
        if access != .read {
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // Personal data a row loses (`[state] retain`, `forget`) is overwritten with zeros,
                // not left readable in the file's free space.
                try db.execute(sql: "PRAGMA secure_delete = ON")
                // A daemon's tick reads the cap events and records of the customers it plans: with
                // SQLite's default 2 MiB page cache, most of those pages were read again from the
                // file at every tick.
                if access == .deliver { try db.execute(sql: "PRAGMA cache_size = -32768") }
            }
        }
        do {
            queue = try DatabaseQueue(path: access == .read ? Self.readOnlyLocation(path) : path, configuration: configuration)
            let holdsLedger = try queue.read { db in try db.tableExists("outbox") && db.tableExists("grdb_migrations") }
            if access != .create, !holdsLedger { throw LedgerError.empty(path) }
            switch access {
            case .create, .write, .deliver:
                try queue.writeWithoutTransaction { db in _ = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
                try Self.migrator.migrate(queue)
            case .read:
                guard try queue.read({ db in try Self.migrator.hasCompletedMigrations(db) }) else { throw LedgerError.outdated(path) }
            }
        } catch {
            throw LedgerError.database(path, error)
        }
        self.path = path
        self.identity = FileIdentity(path)
        self.lock = lock
    }

    /// Throws when `path` no longer names the file this ledger opened.
    ///
    /// Writing on into a removed or replaced file would record deliveries nobody will ever read,
    /// and the next start would find no ledger and send them again; the daemon stops ticking instead.
    public func checkHealth() throws {
        guard let now = FileIdentity(path) else { throw LedgerError.missing(path) }
        guard now == identity else { throw LedgerError.replaced(path) }
    }

    public func dataVersion() throws -> DataVersion? {
        // Not the file's size or time: this process's own writes (checkpoints) change them.
        try reading { db in try DataVersion.sqlite(db, path: path, contents: false) }
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
        migrator.registerMigration("v2: failure classes and claims") { db in
            // The class of the last failure is typed data (Prometheus and suppression read it);
            // a claim names the process holding a `sending` row, so only it records the outcome.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN failure_class TEXT;
                ALTER TABLE outbox ADD COLUMN claim TEXT;
                ALTER TABLE outbox ADD COLUMN lease_until DOUBLE;
                """)
        }
        migrator.registerMigration("v3: erasure of personal data") { db in
            // The partial index holds only finished rows not yet erased: each tick's retention
            // pass reads the few that just came of age, never the whole history.
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN erased_at DOUBLE;
                CREATE INDEX outbox_unerased_finished ON outbox(updated_at) WHERE \(LedgerErasure.unerasedFinished);
                """)
        }
        migrator.registerMigration("v4: state index in claim order") { db in
            // A claim takes the oldest due rows: with (state, due_at, key) it reads the first few
            // index entries of `queued` in order, where (state, next_attempt_at) made it visit every
            // queued row's record for its due_at and sort them all, at every claim of 500 (about a
            // tenth of run --once's CPU). The index replaces the old one, so a state change still
            // updates one state index; every query by state reads it the same way.
            try db.execute(sql: """
                CREATE INDEX outbox_state_due ON outbox(state, due_at, key);
                DROP INDEX outbox_state_next_attempt;
                """)
        }
        return migrator
    }

    /// Runs `body` in a read transaction; SQLite's failures become a ``LedgerError`` naming the file.
    func reading<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.read(body) } catch { throw LedgerError.database(path, error) }
    }

    /// Runs `body` in a write transaction, committed durably before it returns.
    func writing<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try queue.write(body) } catch { throw LedgerError.database(path, error) }
    }

    /// A stored state; anything else is a damaged row, never read as some other state.
    ///
    /// - Parameter row: which row, for the message (`row birthday:C1:2026`).
    func state(_ value: DatabaseValue, row: String) throws -> LedgerState {
        guard let text = String.fromDatabaseValue(value), let state = LedgerState(rawValue: text) else {
            throw LedgerError.damaged(path, "\(row) has state \(value), which is none of \(LedgerState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return state
    }

    public func records(keys: [String]) throws -> [String: LedgerRecord] {
        var result: [String: LedgerRecord] = [:]
        try reading { db in
            for chunk in keys.chunked(500) {
                let sql = "SELECT key, state, queued_at, updated_at FROM outbox WHERE key IN " + sqlList(chunk.count)
                for row in try Row.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                    let key: String = row[0]
                    result[key] = LedgerRecord(key: key, state: try state(row[1], row: "row \(key)"),
                                               queuedAt: Date(timeIntervalSince1970: row[2]), updatedAt: Date(timeIntervalSince1970: row[3]))
                }
            }
        }
        return result
    }

    public func capEvents(customerIDs: [String], since: Date) throws -> [String: [Date]] {
        var result: [String: [Date]] = [:]
        try reading { db in
            for chunk in customerIDs.chunked(500) {
                // `+state`: with hundreds of ids SQLite would rather walk the state index, every
                // queued and sent row for each chunk; the customer index finds a handful per id.
                let sql = "SELECT customer_id, queued_at FROM outbox WHERE +state IN \(LedgerState.sqlList(LedgerState.capStates)) AND customer_id IN " + sqlList(chunk.count) + " AND queued_at > ?"
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
        try reading { db in
            // Spelling tens of thousands of addresses the list's way costs more than asking whether it has any.
            guard !addresses.isEmpty, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM suppressions)") == true else { return }
            let spellings = try ContactAddress.listSpellings(of: addresses, digests: Bool.fetchOne(db, sql: Self.holdsDigestsSQL) == true)
            for chunk in Array(spellings.keys).chunked(500) {
                let sql = "SELECT address FROM suppressions WHERE address IN " + sqlList(chunk.count)
                for address in try String.fetchAll(db, sql: sql, arguments: StatementArguments(chunk)) {
                    if let key = spellings[address.lowercased()] { result.insert(key) }
                }
            }
        }
        return result
    }

    /// Whether the list holds any digest (``ContactAddress/digest(for:)``); its primary key finds one at once.
    static let holdsDigestsSQL = "SELECT EXISTS (SELECT 1 FROM suppressions WHERE address >= 'sha256:' AND address < 'sha256;')"
}
