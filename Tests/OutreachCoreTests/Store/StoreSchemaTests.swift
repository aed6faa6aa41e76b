import Foundation
import OutreachTestSupport
import GRDB
import Testing
@testable import OutreachCore

/// The store's schema: every tick query is served by an index, and `check` names what is missing.
@Suite struct StoreSchemaTests {
    let folder = TemporaryFolder()

    /// A store file made with `sql` only (no `StoreSchema.create`), opened as the commands open it.
    func rawStore(_ sql: String) throws -> SQLiteCustomerStore {
        let path = folder.file("raw.db")
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql) }
        return try SQLiteCustomerStore(path: path)
    }

    static func isFullScan(_ detail: String) -> Bool {
        detail.hasPrefix("SCAN ") && !detail.hasPrefix("SCAN CONSTANT")
    }

    @Test func testEveryTickQueryUsesAnIndexOnAFreshStore() throws {
        let store = try SQLiteCustomerStore.create(path: folder.file("customers.db"))
        let plans = try store.queryPlans()
        #expect(plans.count == SQLiteCustomerStore.plannedQueries.count)
        #expect(plans.count >= 7)
        for (query, (sql, plan)) in zip(SQLiteCustomerStore.plannedQueries, plans) {
            #expect(!plan.isEmpty, "\(sql)")
            #expect(!plan.contains(where: Self.isFullScan), "\(sql): \(plan)")
            #expect(plan.contains { $0.contains("USING") && $0.contains("INDEX") }, "\(sql): \(plan)")
            #expect(plan.contains { $0.contains(query.index.name) }, "\(sql) should use \(query.index.name): \(plan)")
        }
    }

    @Test func testFreshStoreHasNoSchemaDiagnostics() throws {
        let store = try SQLiteCustomerStore.create(path: folder.file("customers.db"))
        #expect(store.schemaDiagnostics().isEmpty, "\(store.schemaDiagnostics().map(\.description))")
    }

    @Test func testIndexesStillServeTheQueriesWithData() throws {
        // With rows and ANALYZE statistics the planner must still pick the indexes.
        let customers = (1...300).map { Customer(id: "C\($0)", name: "Name \($0)", email: "c\($0)@example.com", birthday: "1980-\(String(format: "%02d", $0 % 12 + 1))-15") }
        let purchases = (1...300).map { Purchase(id: "P\($0)", customerID: "C\($0 % 50)", purchasedAt: "2026-0\($0 % 9 + 1)-10T10:00:00+01:00", amount: Double($0)) }
        let tickets = (1...300).map { Ticket(id: "T\($0)", customerID: "C\($0 % 50)", subject: "s", status: ["open", "pending", "solved", "closed"][$0 % 4],
                                             openedAt: "2026-01-01T10:00:00Z", updatedAt: "2026-02-01T10:00:00Z", solvedAt: $0 % 4 >= 2 ? "2026-02-01T10:00:00Z" : nil) }
        let store = try makeStore(in: folder, customers: customers, purchases: purchases, tickets: tickets)
        try store.write { db in try db.execute(sql: "ANALYZE") }
        #expect(store.schemaDiagnostics().isEmpty, "\(store.schemaDiagnostics().map(\.description))")
    }

    @Test func testCreateIsIdempotentAndKeepsData() throws {
        let store = try makeStore(in: folder, customers: [Customer(id: "C1", name: "Kovács Anna")])
        _ = try SQLiteCustomerStore.create(path: store.path)
        #expect(try store.customers(ids: ["C1"]).rows["C1"]?.name == "Kovács Anna")
        #expect(store.schemaDiagnostics().isEmpty)
    }

    @Test func testTablesWithoutIndexesAreReportedNamingEachMissingIndex() throws {
        let store = try rawStore(StoreSchema.tables)
        let problems = store.schemaDiagnostics()
        let text = problems.map(\.description)
        #expect(!problems.isEmpty)
        for index in StoreSchema.indexes {
            #expect(problems.contains { $0.message.contains(index.name) }, "\(index.name) not named in \(text)")
        }
        #expect(problems.count == StoreSchema.indexes.count, "\(text)")
        #expect(problems.allSatisfy { $0.file == store.path })
        // The plans show the scans the diagnostics are about.
        #expect(try store.queryPlans().contains { $0.plan.contains(where: Self.isFullScan) })
    }

    @Test func testOneMissingIndexIsReportedAlone() throws {
        let others = StoreSchema.indexes.filter { $0.name != "customers_birthday_month_day" }
            .map { "CREATE INDEX \($0.name) ON \($0.definition);" }.joined(separator: "\n")
        let store = try rawStore(StoreSchema.tables + "\n" + others)
        let problems = store.schemaDiagnostics()
        #expect(problems.count == 1, "\(problems.map(\.description))")
        #expect(problems.first?.message.contains("customers_birthday_month_day") == true)
        #expect(problems.first?.message.contains("customers(substr(birthday, -5))") == true)
    }

    @Test func testIndexOnTheRawColumnInsteadOfTheExpressionIsNotEnough() throws {
        // An operator's own index on purchased_at (text) cannot serve julianday(purchased_at) ranges.
        let others = StoreSchema.indexes.filter { $0.table != "purchases" }
            .map { "CREATE INDEX \($0.name) ON \($0.definition);" }.joined(separator: "\n")
        let store = try rawStore(StoreSchema.tables + "\n" + others + "\nCREATE INDEX my_purchases ON purchases(purchased_at);")
        let problems = store.schemaDiagnostics()
        #expect(problems.contains { $0.message.contains("purchases_purchased_at") }, "\(problems.map(\.description))")
    }

    @Test func testMissingColumnIsNamed() throws {
        let tables = StoreSchema.tables.replacingOccurrences(of: "tier TEXT, ", with: "")
        #expect(tables != StoreSchema.tables)
        let store = try rawStore(tables)
        let problems = store.schemaDiagnostics()
        #expect(problems.count == 1, "\(problems.map(\.description))")
        #expect(problems.first?.message.contains("customers") == true)
        #expect(problems.first?.message.contains("tier") == true)
    }

    @Test func testSeveralMissingColumnsAreAllNamed() throws {
        let tables = StoreSchema.tables.replacingOccurrences(of: ", item TEXT", with: "").replacingOccurrences(of: ", solved_at TEXT", with: "")
        let store = try rawStore(tables)
        let problems = store.schemaDiagnostics()
        #expect(problems.contains { $0.message.contains("purchases") && $0.message.contains("item") }, "\(problems.map(\.description))")
        #expect(problems.contains { $0.message.contains("tickets") && $0.message.contains("solved_at") }, "\(problems.map(\.description))")
    }

    @Test func testMissingTableIsNamed() throws {
        let store = try rawStore("CREATE TABLE customers(id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT, phone TEXT, locale TEXT, timezone TEXT, birthday TEXT, tier TEXT, opted_out INTEGER NOT NULL DEFAULT 0, created_at TEXT);")
        let problems = store.schemaDiagnostics()
        #expect(problems.contains { $0.message.contains("table purchases is missing") }, "\(problems.map(\.description))")
        #expect(problems.contains { $0.message.contains("table tickets is missing") }, "\(problems.map(\.description))")
    }

    @Test func testColumnNamesAreCaseInsensitive() throws {
        let store = try rawStore(StoreSchema.tables.replacingOccurrences(of: "tier TEXT", with: "TIER TEXT") + "\n"
                                 + StoreSchema.indexes.map { "CREATE INDEX \($0.name) ON \($0.definition);" }.joined(separator: "\n"))
        #expect(store.schemaDiagnostics().isEmpty, "\(store.schemaDiagnostics().map(\.description))")
    }

    @Test func testStoreThatDoesNotExistIsNotCreatedByOpening() {
        let path = folder.file("nope.db")
        #expect(throws: StoreError.self) { try SQLiteCustomerStore(path: path) }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func testRangeQueriesCompareInstantsNotText() throws {
        // 00:30+01:00 on the 23rd is 23:30Z on the 22nd: found by a UTC range on the 22nd, not on the 23rd.
        let store = try makeStore(in: folder, customers: [Customer(id: "C1", name: "A")], purchases: [
            Purchase(id: "P1", customerID: "C1", purchasedAt: "2026-11-23T00:30:00+01:00", amount: 10),
            Purchase(id: "P2", customerID: "C1", purchasedAt: "2026-11-22T23:45:00Z", amount: 10),
            Purchase(id: "P3", customerID: "C1", purchasedAt: "2026-11-23T05:00:00+05:30", amount: 10),
        ])
        let late22 = try store.purchases(madeIn: at("2026-11-22T23:00:00Z")...at("2026-11-22T23:59:59Z"), customerID: nil).rows
        #expect(Set(late22.map(\.id)) == ["P1", "P2", "P3"])
        let on23 = try store.purchases(madeIn: at("2026-11-23T00:00:00Z")...at("2026-11-23T23:59:59Z"), customerID: nil).rows
        #expect(on23.isEmpty)
        let latest = try store.latestPurchases(madeIn: at("2026-11-22T00:00:00Z")...at("2026-11-23T23:59:59Z"), customerID: "C1", candidates: nil).rows
        #expect(latest.map(\.id) == ["P2"])
    }
}
