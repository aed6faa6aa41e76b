import GRDB

/// The customer store's tables and the indexes every tick query relies on.
public enum StoreSchema {
    /// The tables exactly as the product contract defines them.
    public static let tables = """
        CREATE TABLE IF NOT EXISTS customers(id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT, phone TEXT,
          locale TEXT, timezone TEXT, birthday TEXT, tier TEXT, opted_out INTEGER NOT NULL DEFAULT 0, created_at TEXT);
        CREATE TABLE IF NOT EXISTS purchases(id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, purchased_at TEXT NOT NULL,
          amount REAL, currency TEXT, item TEXT);
        CREATE TABLE IF NOT EXISTS tickets(id TEXT PRIMARY KEY, customer_id TEXT NOT NULL, subject TEXT, status TEXT NOT NULL,
          opened_at TEXT NOT NULL, updated_at TEXT NOT NULL, solved_at TEXT);
        """

    /// One index a tick query needs, with what it serves (for `check`).
    public struct Index: Sendable {
        public var name: String
        public var table: String
        public var definition: String
        public var purpose: String

        public init(name: String, table: String, definition: String, purpose: String) {
            self.name = name
            self.table = table
            self.definition = definition
            self.purpose = purpose
        }

        /// The statement that creates it, as `check` prints it.
        public var statement: String { "CREATE INDEX \(name) ON \(definition)" }
    }

    /// Timestamps carry offsets, so text order is not time order: the range indexes are on
    /// `julianday(…)`, which SQLite computes in UTC, and the queries use the same expressions.
    ///
    /// The candidate indexes cover every column of their table: a tick's candidates are tens of
    /// thousands of rows scattered over the table, and reading each from its own table page cost
    /// more than the rest of the query (1M customers: 22k purchases and 15k tickets, one random
    /// 4 KB page each), while the index holds them side by side in time order.
    public static let indexes: [Index] = [
        Index(name: "customers_birthday_month_day", table: "customers", definition: "customers(substr(birthday, -5))",
              purpose: "birthday candidates by month-day"),
        Index(name: "purchases_purchased_at_covering", table: "purchases",
              definition: "purchases(julianday(purchased_at), customer_id, id, purchased_at, amount, currency, item)",
              purpose: "post_purchase and inactive candidates by purchase time"),
        // `purchased_at` itself too: SQLite counts an index on `julianday(purchased_at)` as covering
        // only when it also holds the column, and `NOT EXISTS` (a later purchase) asks it for every candidate.
        Index(name: "purchases_customer_purchased_at_covering", table: "purchases",
              definition: "purchases(customer_id, julianday(purchased_at), amount, purchased_at)",
              purpose: "a customer's latest purchase and lifetime spend"),
        Index(name: "customers_tier", table: "customers", definition: "customers(tier, id)",
              purpose: "inactive candidates by tier"),
        // Partial: only the few unresolved tickets, since only they can be followed up. `status`
        // first, so that SQLite without statistics does not prefer the solved tickets' index for it.
        Index(name: "tickets_unresolved_updated_at", table: "tickets",
              definition: "tickets(status, julianday(updated_at), customer_id, id, subject, opened_at, updated_at, solved_at) WHERE status IN ('open', 'pending')",
              purpose: "unresolved_ticket candidates"),
        Index(name: "tickets_status_solved_at_covering", table: "tickets",
              definition: "tickets(status, julianday(solved_at), customer_id, id, subject, opened_at, updated_at, solved_at)",
              purpose: "satisfaction_survey candidates"),
        Index(name: "tickets_customer_status", table: "tickets", definition: "tickets(customer_id, status)",
              purpose: "skip_if_open_ticket"),
    ]

    /// Creates the tables and indexes that are missing; leaves existing data alone.
    public static func create(_ db: Database) throws {
        try db.execute(sql: tables)
        for index in indexes {
            try db.execute(sql: "CREATE INDEX IF NOT EXISTS \(index.name) ON \(index.definition)")
        }
    }

    /// The columns each table must have.
    static let requiredColumns: [String: [String]] = [
        "customers": ["id", "name", "email", "phone", "locale", "timezone", "birthday", "tier", "opted_out", "created_at"],
        "purchases": ["id", "customer_id", "purchased_at", "amount", "currency", "item"],
        "tickets": ["id", "customer_id", "subject", "status", "opened_at", "updated_at", "solved_at"],
    ]
}
