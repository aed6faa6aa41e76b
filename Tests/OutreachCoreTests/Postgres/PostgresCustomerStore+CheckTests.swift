import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// `check` on a PostgreSQL store: the `CREATE INDEX` statements a tick needs for the column
/// types found when they are missing, nothing when they are there, and every tick query an
/// index search then.
@Suite struct PostgresCustomerStoreCheckTests {
    /// The statements `check` prints for each kind of store without indexes.
    static let expected: [StoreKind: [String]] = [
        .postgresTyped: [
            "CREATE INDEX customers_birthday_month_day ON customers (((EXTRACT(MONTH FROM birthday) * 100 + EXTRACT(DAY FROM birthday))))",
            "CREATE INDEX purchases_purchased_at ON purchases (purchased_at) INCLUDE (customer_id, id, amount, currency, item)",
            "CREATE INDEX purchases_customer_purchased_at ON purchases (customer_id, purchased_at) INCLUDE (amount)",
            "CREATE INDEX tickets_status_updated_at ON tickets (status, updated_at) INCLUDE (customer_id, id, subject, opened_at, solved_at)",
            "CREATE INDEX tickets_status_solved_at ON tickets (status, solved_at) INCLUDE (customer_id, id, subject, opened_at, updated_at)",
            "CREATE INDEX tickets_customer_status ON tickets (customer_id, status)",
        ],
        .postgresText: [
            "CREATE INDEX customers_id ON customers (id)",
            "CREATE INDEX customers_birthday_month_day ON customers ((right(birthday, 5)))",
            "CREATE INDEX purchases_purchased_at ON purchases (purchased_at COLLATE \"C\") INCLUDE (customer_id, id, amount, currency, item)",
            "CREATE INDEX purchases_customer_purchased_at ON purchases (customer_id, purchased_at COLLATE \"C\") INCLUDE (amount)",
            "CREATE INDEX tickets_status_updated_at ON tickets (status, updated_at COLLATE \"C\") INCLUDE (customer_id, id, subject, opened_at, solved_at)",
            "CREATE INDEX tickets_status_solved_at ON tickets (status, solved_at COLLATE \"C\") INCLUDE (customer_id, id, subject, opened_at, updated_at)",
            "CREATE INDEX tickets_customer_status ON tickets (customer_id, status)",
            "CREATE INDEX purchases_purchased_at_undated ON purchases (customer_id) WHERE (purchased_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}') IS NOT TRUE",
            "CREATE INDEX tickets_updated_at_undated ON tickets (status) WHERE (updated_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}') IS NOT TRUE",
            "CREATE INDEX tickets_solved_at_undated ON tickets (status) WHERE (solved_at ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}') IS NOT TRUE",
        ],
    ]

    @Test(arguments: [StoreKind.postgresTyped, .postgresText])
    func testMissingIndexesArePrintedAsTheStatementsTheTickNeeds(_ kind: StoreKind) throws {
        let fixture = try PostgresFixture(kind, indexes: false)
        let diagnostics = try fixture.store().schemaDiagnostics(file: "outreachd.toml", line: 2)
        let text = diagnostics.map(\.description)
        for statement in Self.expected[kind]! {
            #expect(text.contains { $0.contains(statement + ";") }, "\(statement) not in \(text)")
        }
        #expect(diagnostics.count == Self.expected[kind]!.count, "\(text)")
        #expect(text.allSatisfy { $0.hasPrefix("outreachd.toml:2: \(fixture.url):") }, "\(text)")
        // Run as printed, they leave nothing to say.
        for statement in Self.expected[kind]! { try fixture.execute(statement) }
        #expect(try fixture.store().schemaDiagnostics(file: "outreachd.toml", line: 2).isEmpty)
    }

    @Test(arguments: StoreKind.postgres)
    func testEveryTickQueryIsAnIndexSearchWithTheIndexesInPlace(_ kind: StoreKind) throws {
        let fixture = try PostgresFixture(kind)
        let store = try fixture.store()
        #expect(store.schemaDiagnostics(file: "f", line: 1).isEmpty)
        let plans = try store.queryPlans()
        #expect(plans.count == store.queries.planned.count && plans.count >= 12)
        for (sql, plan) in plans {
            #expect(!plan.contains { $0.contains("Seq Scan") }, "\(sql): \(plan)")
            #expect(plan.contains { $0.contains("Index") }, "\(sql): \(plan)")
        }
        if ProcessInfo.processInfo.environment["OUTREACHD_PRINT_PLANS"] != nil {
            print("== \(kind)")
            for (sql, plan) in plans { print(sql); for line in plan { print("    " + line) } }
        }
    }

    @Test func testViewsWithoutIndexesNameTheTableUnderTheView() throws {
        let fixture = try PostgresFixture(.postgresViews, indexes: false)
        let text = try fixture.store().schemaDiagnostics(file: "f", line: 1).map(\.description)
        let birthday = try #require(text.first { $0.contains("customers_birthday_month_day") })
        #expect(birthday.contains("customers is a view") && birthday.contains("crm_clients"), "\(birthday)")
    }

    @Test func testMissingColumnsAndUnusableTypesAreNamedAndTheStoreDoesNotOpen() throws {
        let fixture = try PostgresFixture(.postgresTyped, indexes: false)
        try fixture.execute("ALTER TABLE customers DROP COLUMN tier;\nALTER TABLE purchases ALTER COLUMN purchased_at TYPE timestamp;\nDROP TABLE tickets")
        do {
            _ = try fixture.store()
            Issue.record("opened")
        } catch let error as PostgresError {
            #expect(error.isMissingTable, "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
        let text = try PostgresCustomerStore(settings: fixture.settings, requireUsable: false).schemaDiagnostics(file: "f", line: 1).map(\.description)
        #expect(text.contains { $0.contains("table customers has no column tier") }, "\(text)")
        #expect(text.contains { $0.contains("purchases.purchased_at is timestamp without time zone") }, "\(text)")
        #expect(text.contains { $0.contains("no table or view named tickets") }, "\(text)")
    }

    @Test func testCheckAndOpenThroughTheConfiguration() throws {
        let fixture = try PostgresFixture(.postgresTyped, indexes: false)
        let folder = TemporaryFolder()
        let config = try makeDeployment(in: folder, rules: "")
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "url = \"sqlite:customers.db\"", with: "url = \"\(fixture.url)\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let problems = Checker.check(configFile: config, environment: [:]).filter(\.isError)
        #expect(problems.count == 6, "\(problems.map(\.description))")
        #expect(problems.allSatisfy { $0.line == 2 && $0.message.contains("CREATE INDEX") }, "\(problems.map(\.description))")
        // preview and run open it as they open SQLite (indexes or not).
        let outreach = try Outreach.open(configFile: config)
        #expect(outreach.store is PostgresCustomerStore)
    }
}
