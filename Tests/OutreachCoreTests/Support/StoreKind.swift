import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The kinds of store a scenario's rows can be written to: the rule tests run each scenario
/// against every kind that can hold its rows.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// SQLite, as `outreachd init` creates it.
    case sqlite
    /// PostgreSQL tables typed as a business would: `timestamptz`, `numeric`, `boolean`, `date`.
    case postgresTyped
    /// PostgreSQL tables with every column `text`.
    case postgresText
    /// PostgreSQL views named `customers`, `purchases`, `tickets` over typed tables of other names and columns.
    case postgresViews

    var testDescription: String { rawValue }

    /// Every kind.
    static let all = allCases
    /// The kinds whose columns hold any text: a birthday without a year, a time without an offset.
    static let textual: [StoreKind] = [.sqlite, .postgresText]
    static let postgres: [StoreKind] = [.postgresTyped, .postgresText, .postgresViews]

    var isPostgres: Bool { self != .sqlite }
}

/// A store of `kind` holding the given rows (SQLite in `folder`; PostgreSQL in a schema of its own
/// on the shared test server).
func makeStore(_ kind: StoreKind, in folder: TemporaryFolder, customers: [Customer] = [], purchases: [Purchase] = [],
               tickets: [Ticket] = []) throws -> any CustomerStore {
    switch kind {
    case .sqlite:
        return try makeStore(in: folder, customers: customers, purchases: purchases, tickets: tickets)
    case .postgresTyped, .postgresText, .postgresViews:
        let fixture = try PostgresFixture(kind)
        try fixture.insert(customers: customers, purchases: purchases, tickets: tickets)
        return try fixture.store()
    }
}

/// One test's PostgreSQL store: a role and schema of its own on ``PostgresServer/shared``, the
/// tables (or views) of its kind with the indexes `check` asks for, and a writer for the test.
///
/// Everything is written by one superuser pool, as the test's role and in its schema, a
/// connection per batch of statements: a fixture costs a few milliseconds.
struct PostgresFixture {
    let kind: StoreKind
    let server: PostgresServer
    let role: String

    /// The superuser's pool on the shared server, for every fixture.
    static let admin: Result<PostgresPool, any Error> = Result {
        let server = try PostgresServer.shared.get()
        return try PostgresPool(PostgresSettings(url: try PostgresURL.parse(server.url(user: "postgres")).get(), password: nil))
    }

    init(_ kind: StoreKind, indexes: Bool = true) throws {
        self.kind = kind
        server = try PostgresServer.shared.get()
        role = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try Self.admin.get().execute(["CREATE ROLE \(role) LOGIN", "CREATE SCHEMA \(role) AUTHORIZATION \(role)"])
        try execute(indexes ? Self.schema[kind]! + Self.indexes[kind]! : Self.schema[kind]!)
    }

    /// The store as the commands open it.
    func store() throws -> PostgresCustomerStore {
        try PostgresCustomerStore(settings: settings)
    }

    var settings: PostgresSettings {
        PostgresSettings(url: try! PostgresURL.parse(server.url(user: role)).get(), password: nil)
    }

    var url: String { server.url(user: role) }

    /// Runs `sql` (statements separated by `;` and a line break) as the test's role, in its schema.
    func execute(_ sql: String) throws {
        let statements = sql.components(separatedBy: ";\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
        try run(statements.map { ($0, []) })
    }

    /// Runs each statement with its text parameters as the test's role, on one connection.
    private func run(_ statements: [(String, [String?])]) throws {
        // RESET first: a batch that failed half-way left its role on the pooled connection.
        try Self.admin.get().execute([("RESET ROLE", []), ("SET ROLE \(role)", []), ("SET search_path TO \(role)", [])] + statements
                                     + [("RESET search_path", []), ("RESET ROLE", [])])
    }

    /// Inserts rows of `values` (text or NULL; PostgreSQL casts them to each column's type) into `table`'s `columns`,
    /// a few hundred rows a statement.
    func insert(_ table: String, _ columns: [String], _ rows: [[String?]]) throws {
        let (relation, names, types) = target(table, columns)
        var statements: [(String, [String?])] = []
        for chunk in rows.chunked(500) {
            var tuples: [String] = []
            for row in chunk.indices {
                let base = (row - chunk.startIndex) * types.count
                tuples.append("(" + types.enumerated().map { "CAST($\(base + $0.offset + 1) AS \($0.element))" }.joined(separator: ", ") + ")")
            }
            statements.append(("INSERT INTO \(relation)(\(names.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))", chunk.flatMap { $0 }))
        }
        if !statements.isEmpty { try run(statements) }
    }

    func insert(customers: [Customer] = [], purchases: [Purchase] = [], tickets: [Ticket] = []) throws {
        try insert("customers", ["id", "name", "email", "phone", "locale", "timezone", "birthday", "tier", "opted_out", "created_at"], customers.map { c in
            [c.id, c.name, c.email, c.phone, c.locale, c.timezone, c.birthday, c.tier,
             kind == .postgresText ? (c.optedOut ? "1" : "0") : (c.optedOut ? "true" : "false"), c.createdAt]
        })
        try insert("purchases", ["id", "customer_id", "purchased_at", "amount", "currency", "item"], purchases.map { p in
            [p.id, p.customerID, p.purchasedAt, p.amount.map { "\($0)" }, p.currency, p.item]
        })
        try insert("tickets", ["id", "customer_id", "subject", "status", "opened_at", "updated_at", "solved_at"], tickets.map { t in
            [t.id, t.customerID, t.subject, t.status, t.openedAt, t.updatedAt, t.solvedAt]
        })
    }

    /// The relation and columns rows of `table` are written to, and each column's type.
    private func target(_ table: String, _ columns: [String]) -> (String, [String], [String]) {
        let types = Self.types[kind]![table]!
        guard kind == .postgresViews else { return (table, columns, columns.map { types[$0] ?? "text" }) }
        let base = Self.viewNames[table]!
        return (base.table, columns.map { base.columns[$0]! }, columns.map { types[$0] ?? "text" })
    }

    /// Column types other than `text`, by kind and contract table.
    static let types: [StoreKind: [String: [String: String]]] = {
        let typed = ["customers": ["birthday": "date", "opted_out": "boolean", "created_at": "timestamptz"],
                     "purchases": ["purchased_at": "timestamptz", "amount": "numeric"],
                     "tickets": ["opened_at": "timestamptz", "updated_at": "timestamptz", "solved_at": "timestamptz"]]
        return [.postgresTyped: typed, .postgresViews: typed, .postgresText: ["customers": [:], "purchases": [:], "tickets": [:]]]
    }()

    /// The business's own names behind the views.
    static let viewNames: [String: (table: String, columns: [String: String])] = [
        "customers": ("crm_clients", ["id": "client_no", "name": "full_name", "email": "mail", "phone": "mobile", "locale": "lang",
                                      "timezone": "tz", "birthday": "born", "tier": "segment", "opted_out": "no_contact", "created_at": "since"]),
        "purchases": ("shop_orders", ["id": "order_no", "customer_id": "client_no", "purchased_at": "ordered", "amount": "total",
                                      "currency": "cur", "item": "product"]),
        "tickets": ("helpdesk_cases", ["id": "case_no", "customer_id": "client_no", "subject": "title", "status": "state",
                                       "opened_at": "opened", "updated_at": "touched", "solved_at": "resolved"]),
    ]

    static let schema: [StoreKind: String] = [
        .postgresTyped: """
            CREATE TABLE customers(id text PRIMARY KEY, name text NOT NULL, email text, phone text, locale text, timezone text,
              birthday date, tier text, opted_out boolean NOT NULL DEFAULT false, created_at timestamptz);
            CREATE TABLE purchases(id text PRIMARY KEY, customer_id text NOT NULL, purchased_at timestamptz NOT NULL, amount numeric(12,2),
              currency text, item text);
            CREATE TABLE tickets(id text PRIMARY KEY, customer_id text NOT NULL, subject text, status text NOT NULL,
              opened_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, solved_at timestamptz);

            """,
        .postgresText: """
            CREATE TABLE customers(id text, name text, email text, phone text, locale text, timezone text,
              birthday text, tier text, opted_out text, created_at text);
            CREATE TABLE purchases(id text, customer_id text, purchased_at text, amount text, currency text, item text);
            CREATE TABLE tickets(id text, customer_id text, subject text, status text, opened_at text, updated_at text, solved_at text);

            """,
        .postgresViews: """
            CREATE TABLE crm_clients(client_no text PRIMARY KEY, full_name text NOT NULL, mail text, mobile text, lang text, tz text,
              born date, segment text, no_contact boolean NOT NULL DEFAULT false, since timestamptz);
            CREATE TABLE shop_orders(order_no text PRIMARY KEY, client_no text NOT NULL,
              ordered timestamptz NOT NULL, total numeric(12,2), cur text, product text);
            CREATE TABLE helpdesk_cases(case_no text PRIMARY KEY, client_no text NOT NULL, title text, state text NOT NULL,
              opened timestamptz NOT NULL, touched timestamptz NOT NULL, resolved timestamptz);
            CREATE VIEW customers AS SELECT client_no AS id, full_name AS name, mail AS email, mobile AS phone, lang AS locale, tz AS timezone,
              born AS birthday, segment AS tier, no_contact AS opted_out, since AS created_at FROM crm_clients;
            CREATE VIEW purchases AS SELECT order_no AS id, client_no AS customer_id, ordered AS purchased_at, total AS amount,
              cur AS currency, product AS item FROM shop_orders;
            CREATE VIEW tickets AS SELECT case_no AS id, client_no AS customer_id, title AS subject, state AS status,
              opened AS opened_at, touched AS updated_at, resolved AS solved_at FROM helpdesk_cases;

            """,
    ]

    /// The indexes `check` asks for, for each kind's column types (on the tables under the views).
    static let indexes: [StoreKind: String] = [
        .postgresTyped: """
            CREATE INDEX customers_birthday_month_day ON customers ((EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday)));
            CREATE INDEX purchases_purchased_at ON purchases (purchased_at);
            CREATE INDEX purchases_customer_purchased_at ON purchases (customer_id, purchased_at);
            CREATE INDEX tickets_status_updated_at ON tickets (status, updated_at);
            CREATE INDEX tickets_status_solved_at ON tickets (status, solved_at);
            CREATE INDEX tickets_customer_status ON tickets (customer_id, status);

            """,
        .postgresText: """
            CREATE INDEX customers_id ON customers (id);
            CREATE INDEX customers_birthday_month_day ON customers ((right(birthday, 5)));
            CREATE INDEX purchases_purchased_at ON purchases (purchased_at COLLATE "C");
            CREATE INDEX purchases_customer_purchased_at ON purchases (customer_id, purchased_at COLLATE "C");
            CREATE INDEX tickets_status_updated_at ON tickets (status, updated_at COLLATE "C");
            CREATE INDEX tickets_status_solved_at ON tickets (status, solved_at COLLATE "C");
            CREATE INDEX tickets_customer_status ON tickets (customer_id, status);
            CREATE INDEX purchases_purchased_at_undated ON purchases (customer_id) WHERE (purchased_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}') IS NOT TRUE;
            CREATE INDEX tickets_updated_at_undated ON tickets (status) WHERE (updated_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}') IS NOT TRUE;
            CREATE INDEX tickets_solved_at_undated ON tickets (status) WHERE (solved_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}') IS NOT TRUE;

            """,
        .postgresViews: """
            CREATE INDEX crm_clients_born_month_day ON crm_clients ((EXTRACT(MONTH FROM born) * 100 + EXTRACT(DAY FROM born)));
            CREATE INDEX shop_orders_ordered ON shop_orders (ordered);
            CREATE INDEX shop_orders_client_ordered ON shop_orders (client_no, ordered);
            CREATE INDEX helpdesk_cases_state_touched ON helpdesk_cases (state, touched);
            CREATE INDEX helpdesk_cases_state_resolved ON helpdesk_cases (state, resolved);
            CREATE INDEX helpdesk_cases_client_state ON helpdesk_cases (client_no, state);

            """,
    ]
}
