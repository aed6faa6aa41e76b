import Foundation
import PostgresNIO

/// The PostgreSQL ledger's schema (`outreachd`), created and migrated by `init`, one numbered
/// migration per change, so a shared ledger upgrades in place.
///
/// Its own schema keeps it apart from the business's tables when store and ledger share a database.
enum PostgresLedgerSchema {
    struct Migration {
        var version: Int
        var name: String
        /// Statements separated by `;` at a line end (the extended protocol takes one at a time).
        var sql: String

        var statements: [String] {
            sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        }
    }

    static let states = LedgerState.sqlList(LedgerState.allCases)

    static let migrations: [Migration] = [
        Migration(version: 1, name: "outbox, suppressions and meta", sql: """
            CREATE TABLE outreachd.outbox(
              key text PRIMARY KEY,
              rule text NOT NULL,
              customer_id text NOT NULL,
              channel text NOT NULL,
              recipient text NOT NULL,
              recipient_name text,
              subject text,
              body text NOT NULL,
              locale text NOT NULL,
              customer_json text NOT NULL DEFAULT '{}',
              state text NOT NULL CHECK (state IN \(states)),
              due_at timestamptz NOT NULL,
              deadline timestamptz NOT NULL,
              queued_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL,
              attempts integer NOT NULL DEFAULT 0,
              next_attempt_at timestamptz,
              last_error text,
              failure_class text,
              reply text,
              claim text,
              lease_until timestamptz
            );
            CREATE INDEX outbox_customer_queued_at ON outreachd.outbox(customer_id, queued_at);
            CREATE INDEX outbox_claimable ON outreachd.outbox(due_at, key) WHERE state IN ('queued', 'retry', 'sending');
            CREATE INDEX outbox_problems ON outreachd.outbox(updated_at) WHERE state IN ('failed', 'expired', 'retry');
            CREATE TABLE outreachd.meta(name text PRIMARY KEY, value text NOT NULL);
            CREATE TABLE outreachd.suppressions(address text PRIMARY KEY, reason text NOT NULL, created_at timestamptz NOT NULL);
            """),
        // The partial index holds only finished rows not yet erased: retention reads the few that
        // just came of age, never the whole history.
        Migration(version: 2, name: "erasure of personal data", sql: """
            ALTER TABLE outreachd.outbox ADD COLUMN erased_at timestamptz;
            CREATE INDEX outbox_unerased_finished ON outreachd.outbox(updated_at) WHERE \(LedgerErasure.unerasedFinished);
            """),
    ]

    /// The versions applied, or `nil` when the database holds no outreachd ledger at all.
    static func appliedVersions(_ pool: PostgresPool) throws(PostgresError) -> [Int]? {
        try pool.withConnection { connection in
            let exists = try await connection.rows("SELECT to_regclass('outreachd.migrations') IS NOT NULL")
            guard try exists.first?.decode(Bool.self) == true else { return nil }
            return try await connection.rows("SELECT version FROM outreachd.migrations ORDER BY version").map { try $0.decode(Int.self) }
        }
    }

    /// Creates the schema when missing and applies every migration not yet applied, under an
    /// advisory lock so two `init`s (or two instances starting) never race.
    static func migrate(_ pool: PostgresPool) throws(PostgresError) {
        try pool.transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext('outreachd:migrate'))", logger: PostgresPool.logger)
            try await connection.query("CREATE SCHEMA IF NOT EXISTS outreachd", logger: PostgresPool.logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS outreachd.migrations(version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: PostgresPool.logger)
            let applied = Set(try await connection.rows("SELECT version FROM outreachd.migrations").map { try $0.decode(Int.self) })
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: PostgresPool.logger)
                }
                try await connection.query("INSERT INTO outreachd.migrations(version, name) VALUES (\(migration.version), \(migration.name))",
                                           logger: PostgresPool.logger)
            }
        }
    }
}
