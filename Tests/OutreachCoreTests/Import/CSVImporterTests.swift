import Foundation
import OutreachTestSupport
import GRDB
import Testing
@testable import OutreachCore

/// `outreachd import`: one transaction per file, a bad row names its line and column and leaves nothing behind.
@Suite struct CSVImporterTests {
    let folder = TemporaryFolder()
    let store: SQLiteCustomerStore

    init() throws {
        store = try makeStore(in: folder)
    }

    func count(_ table: String) throws -> Int {
        try store.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }
    }

    func row(_ table: String, _ id: String) throws -> Row? {
        try store.queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM \(table) WHERE id = ?", arguments: [id]) }
    }

    /// Customers for purchases and tickets to belong to (import refuses rows of customers not in the store).
    func seedCustomers(_ ids: String...) throws {
        try store.write { db in
            for id in ids { try db.execute(sql: "INSERT INTO customers(id, name) VALUES (?, ?)", arguments: [id, "Customer \(id)"]) }
        }
    }

    /// Runs the import expecting it to fail; returns the error.
    func failing(_ path: String, into table: CSVImporter.Table, sourceLocation: SourceLocation = #_sourceLocation) -> CSVImporter.ImportError? {
        do {
            let rows = try CSVImporter.run(path, into: table, store: store)
            Issue.record("import of \(path) succeeded with \(rows) rows; expected it to fail", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    static let customersHeader = "id,name,email,phone,locale,timezone,birthday,tier,opted_out,created_at"

    // MARK: Good files

    @Test func testGoodCustomersFileImportsEveryRow() throws {
        let text = "\u{FEFF}" + [
            Self.customersHeader,
            "C1,\"Kovács Anna\",anna@example.hu,+36301234567,hu,Europe/Budapest,1984-11-23,gold,0,2025-01-01T10:00:00+01:00",
            "C2,\"Clarke, Emma\",emma@example.co.uk,,en-GB,Europe/London,--02-29,,no,2025-01-01T10:00:00Z",
            "",
            "C3,สมชาย ใจดี,somchai@example.co.th,,th,Asia/Bangkok,,,\"1\",",
            "C4,\"Liam \"\"Red\"\" O'Connor\",liam@example.com,,sv_SE,America/New_York,1990-01-15,,TRUE,2025-06-01T08:00:00-04:00",
            "C5,  Őri Ödön  ,odon@example.hu,,hu-HU,,,,,",
        ].joined(separator: "\r\n") + "\r\n"
        let path = folder.write("customers.csv", text)
        var reported: [(Int, Int, Int)] = []
        let rows = try CSVImporter.run(path, into: .customers, store: store) { reported.append(($0, $1, $2)) }
        #expect(rows == 5)
        #expect(try count("customers") == 5)
        #expect(reported.last.map { $0.2 } == 5)
        #expect(reported.last.map { $0.0 == $0.1 } == true)

        let customers = try store.customers(ids: ["C1", "C2", "C3", "C4", "C5"]).rows
        let c1 = try #require(customers["C1"])
        #expect(Array(c1.name.utf8) == Array("Kovács Anna".utf8))
        #expect(c1.email == "anna@example.hu")
        #expect(c1.phone == "+36301234567")
        #expect(c1.tier == "gold")
        #expect(c1.birthday == "1984-11-23")
        #expect(c1.createdAt == "2025-01-01T10:00:00+01:00")
        #expect(!c1.optedOut)
        #expect(customers["C2"]?.name == "Clarke, Emma")
        #expect(customers["C2"]?.phone == nil)
        #expect(customers["C2"]?.birthday == "--02-29")
        #expect(customers["C2"]?.optedOut == false)
        #expect(customers["C3"].map { Array($0.name.utf8) } == Array("สมชาย ใจดี".utf8))
        #expect(customers["C3"]?.optedOut == true)
        #expect(customers["C3"]?.birthday == nil)
        #expect(customers["C4"]?.name == "Liam \"Red\" O'Connor")
        #expect(customers["C4"]?.optedOut == true)
        #expect(customers["C5"]?.name == "Őri Ödön")
        // The header's BOM does not end up in the first column's name or in the first id.
        #expect(try row("customers", "C1") != nil)
        #expect(try count("customers WHERE id LIKE '\u{FEFF}%'") == 0)
    }

    @Test func testQuotedFieldSpanningTwoLinesKeepsLaterLineNumbersRight() throws {
        try seedCustomers("C1", "C2", "C3")
        let good = folder.write("tickets.csv", #"""
            id,customer_id,subject,status,opened_at,updated_at,solved_at
            T1,C1,"Két sor:
            második sor",open,2026-11-01T10:00:00+01:00,2026-11-02T10:00:00+01:00,
            T2,C2,"Plain, with ""quotes""",solved,2026-11-01T10:00:00Z,2026-11-03T10:00:00Z,2026-11-03T10:00:00Z

            """#)
        #expect(try CSVImporter.run(good, into: .tickets, store: store) == 2)
        #expect(try row("tickets", "T1")?["subject"] as String? == "Két sor:\nmásodik sor")
        #expect(try row("tickets", "T2")?["subject"] as String? == "Plain, with \"quotes\"")
        #expect(try row("tickets", "T1")?["solved_at"] as String? == nil)

        let bad = folder.write("tickets-bad.csv", """
            id,customer_id,subject,status,opened_at,updated_at,solved_at
            T3,C1,"Három
            sor
            itt",open,2026-11-01T10:00:00+01:00,2026-11-02T10:00:00+01:00,
            T4,C2,Fine,resolved,2026-11-01T10:00:00Z,2026-11-03T10:00:00Z,
            """)
        let error = try #require(failing(bad, into: .tickets))
        #expect(error.line == 5, "\(error)")
        #expect(error.column?.contains("status") == true)
        #expect(try row("tickets", "T3") == nil)
    }

    @Test func testPurchasesImportWithTypedAmountsAndUpperCasedCurrency() throws {
        try seedCustomers("C1", "C2", "C3")
        let path = folder.write("purchases.csv", """
            id,customer_id,purchased_at,amount,currency,item
            P1,C1,2026-11-09T10:00:00+01:00,24990,HUF,kávéfőző
            P2,C2,2026-11-09T10:00:00Z,120.5,gbp,"coffee grinder, 2 speeds"
            P3,C3,2026-11-09T17:00:00+07:00,,,
            """)
        #expect(try CSVImporter.run(path, into: .purchases, store: store) == 3)
        let p2 = try #require(try row("purchases", "P2"))
        #expect(p2["amount"] as Double? == 120.5)
        #expect(p2["currency"] as String? == "GBP")
        #expect(p2["item"] as String? == "coffee grinder, 2 speeds")
        #expect(try row("purchases", "P3")?["amount"] as Double? == nil)
        // Imported rows are found by the tick's range query.
        let found = try store.purchases(madeIn: at("2026-11-09T09:00:00Z")...at("2026-11-09T10:00:00Z"), customerID: nil).rows
        #expect(Set(found.map(\.id)) == ["P1", "P2", "P3"])
    }

    // MARK: A bad row aborts the whole file

    @Test func testBadRowAbortsTheWholeFileNamingFileLineAndColumn() throws {
        try seedCustomers("C1", "C2", "C3")
        let path = folder.write("purchases.csv", """
            id,customer_id,purchased_at,amount,currency,item
            P1,C1,2026-11-09T10:00:00+01:00,24990,HUF,kávéfőző
            P2,C2,2026-11-09T10:00:00Z,120.5,GBP,coffee grinder
            P3,C3,2026-11-09T10:00:00,3590,THB,เครื่องชงกาแฟ
            P4,C3,2026-11-10T10:00:00+07:00,3590,THB,เครื่องชงกาแฟ
            """)
        let error = try #require(failing(path, into: .purchases))
        #expect(error.file == path)
        #expect(error.line == 4)
        #expect(error.column == "3 (purchased_at)")
        #expect(error.description.hasPrefix("\(path):4: column 3 (purchased_at): "), "\(error)")
        #expect(error.description.contains("2026-11-09T10:00:00"))
        #expect(try count("purchases") == 0)
    }

    @Test func testFailedReimportLeavesEarlierRowsAsTheyWere() throws {
        let first = folder.write("c1.csv", "id,name,email\nC1,Kovács Anna,anna@example.hu\nC2,Emma Clarke,emma@example.com\n")
        #expect(try CSVImporter.run(first, into: .customers, store: store) == 2)
        let second = folder.write("c2.csv", "id,name,email\nC1,Changed Name,changed@example.hu\nC3,New Person,new@example.com\nC4,Broken,not-an-address\n")
        let error = try #require(failing(second, into: .customers))
        #expect(error.line == 4)
        #expect(error.column == "3 (email)")
        #expect(try count("customers") == 2)
        #expect(try store.customers(ids: ["C1"]).rows["C1"]?.name == "Kovács Anna")
        #expect(try store.customers(ids: ["C1"]).rows["C1"]?.email == "anna@example.hu")
    }

    @Test(arguments: [
        ("locale", "english", 5),
        ("timezone", "Europe/Budapset", 6),
        ("birthday", "1985-13-40", 7),
        ("birthday", "--31-12", 7),
        ("opted_out", "maybe", 9),
        ("created_at", "23/11/2026", 10),
        ("email", "anna at example", 3),
    ])
    func testEachKindOfBadCustomerValueNamesItsColumn(_ column: String, _ value: String, _ index: Int) throws {
        var fields = ["C2", "Emma Clarke", "emma@example.com", "", "en", "Europe/London", "1990-01-15", "", "0", "2025-01-01T10:00:00Z"]
        fields[index - 1] = value
        let path = folder.write("customers.csv", Self.customersHeader + "\nC1,Kovács Anna,,,,,,,,\n" + fields.joined(separator: ",") + "\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 3)
        #expect(error.column == "\(index) (\(column))")
        #expect(error.description.contains(value), "\(error)")
        #expect(try count("customers") == 0)
    }

    @Test func testNameSpanningTwoLinesIsRefusedWithItsLine() throws {
        let path = folder.write("customers.csv", "id,name\nC1,Anna\nC2,\"Emma\nClarke\"\nC3,Liam\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 3)
        #expect(error.column == "2 (name)")
        #expect(try count("customers") == 0)
    }

    @Test func testEmptyRequiredFieldIsRefused() throws {
        let path = folder.write("customers.csv", "id,name\nC1,Anna\nC2,\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 3)
        #expect(error.column == "2 (name)")
    }

    @Test func testUnknownTicketStatusIsRefused() throws {
        let path = folder.write("tickets.csv", "id,customer_id,status,opened_at,updated_at\nT1,C1,Open,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\n")
        let error = try #require(failing(path, into: .tickets))
        #expect(error.line == 2)
        #expect(error.column == "3 (status)")
    }

    // MARK: Header and shape

    @Test func testUnknownHeaderColumnIsRefused() throws {
        let path = folder.write("customers.csv", "id,name,emial\nC1,Anna,anna@example.hu\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 1)
        #expect(error.description.contains("\"emial\""), "\(error)")
        #expect(error.description.hasPrefix("\(path):1: "))
        #expect(try count("customers") == 0)
    }

    @Test func testHeaderWithoutARequiredColumnIsRefused() throws {
        let path = folder.write("purchases.csv", "id,customer_id,amount\nP1,C1,10\n")
        let error = try #require(failing(path, into: .purchases))
        #expect(error.line == 1)
        #expect(error.description.contains("purchased_at"))
    }

    @Test func testDuplicateHeaderColumnIsRefused() throws {
        let path = folder.write("customers.csv", "id,name,name\nC1,Anna,Anna\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 1)
        #expect(error.description.contains("twice"))
    }

    @Test func testWrongFieldCountNamesTheLine() throws {
        let path = folder.write("customers.csv", "id,name,email\nC1,Anna,anna@example.hu\nC2,Emma\nC3,Liam,liam@example.com\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 3)
        #expect(error.description.contains("2 fields"), "\(error)")
        #expect(try count("customers") == 0)
        let tooMany = folder.write("more.csv", "id,name\nC1,Anna\nC2,Emma,extra\n")
        #expect(failing(tooMany, into: .customers)?.line == 3)
    }

    @Test func testEmptyFileIsRefused() throws {
        let path = folder.write("customers.csv", "")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 1)
    }

    @Test func testMissingFileIsRefusedNamingIt() throws {
        let error = try #require(failing(folder.file("nope.csv"), into: .customers))
        #expect(error.file == folder.file("nope.csv"))
        #expect(error.description.contains("no such file"))
    }

    @Test func testUnclosedQuoteNamesTheLineItStartsOn() throws {
        let path = folder.write("customers.csv", "id,name\nC1,Anna\nC2,\"Emma\nC3,Liam\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 3, "\(error)")
        #expect(try count("customers") == 0)
    }

    @Test func testTextAfterAClosingQuoteNamesItsLine() throws {
        let path = folder.write("customers.csv", "id,name\nC1,Anna\nC2,\"Emma\" Clarke\n")
        let error = try #require(failing(path, into: .customers))
        #expect(error.line == 3, "\(error)")
    }

    @Test func testInvalidUTF8NamesItsLine() throws {
        // Latin-1 "é" (0xE9) in the last field of line 3 and, in another file, in a middle field.
        let last = folder.file("latin1-last.csv")
        _ = FileManager.default.createFile(atPath: last, contents: Data("id,name\nC1,Anna\nC2,Ren".utf8) + Data([0xE9]) + Data("e\nC3,Liam\n".utf8))
        let error = try #require(failing(last, into: .customers))
        #expect(error.line == 3, "\(error)")
        let middle = folder.file("latin1-middle.csv")
        _ = FileManager.default.createFile(atPath: middle, contents: Data("id,name,email\nC1,Anna,a@example.com\nC2,Ren".utf8) + Data([0xE9]) + Data("e,r@example.com\n".utf8))
        #expect(failing(middle, into: .customers)?.line == 3)
        #expect(try count("customers") == 0)
    }

    @Test func testBOMBeforeAQuotedHeaderIsAccepted() throws {
        // Spreadsheet exports often quote every field, header included, after the BOM.
        let path = folder.write("customers.csv", "\u{FEFF}\"id\",\"name\",\"email\"\r\n\"C1\",\"Kovács Anna\",\"anna@example.hu\"\r\n")
        #expect(try CSVImporter.run(path, into: .customers, store: store) == 1)
        #expect(try store.customers(ids: ["C1"]).rows["C1"]?.name == "Kovács Anna")
    }

    // MARK: Re-import

    @Test func testReimportUpdatesRowsByIDWithoutDuplicates() throws {
        let first = folder.write("c1.csv", """
            id,name,email,locale
            C1,Kovács Anna,anna@example.hu,hu
            C2,Emma Clarke,emma@example.com,en
            """)
        #expect(try CSVImporter.run(first, into: .customers, store: store) == 2)
        let second = folder.write("c2.csv", """
            id,name,email,locale
            C1,Kovács Anna Mária,anna.maria@example.hu,hu
            C3,สมชาย ใจดี,somchai@example.co.th,th
            """)
        #expect(try CSVImporter.run(second, into: .customers, store: store) == 2)
        #expect(try count("customers") == 3)
        let all = try store.customers(ids: ["C1", "C2", "C3"]).rows
        #expect(all["C1"]?.name == "Kovács Anna Mária")
        #expect(all["C1"]?.email == "anna.maria@example.hu")
        #expect(all["C2"]?.name == "Emma Clarke")
        #expect(all["C3"]?.locale == "th")
        // The same file twice changes nothing.
        #expect(try CSVImporter.run(second, into: .customers, store: store) == 2)
        #expect(try count("customers") == 3)
    }

    @Test func testReimportWithFewerColumnsKeepsTheOthers() throws {
        let first = folder.write("c1.csv", "id,name,email,tier,opted_out\nC1,Kovács Anna,anna@example.hu,gold,1\n")
        _ = try CSVImporter.run(first, into: .customers, store: store)
        let second = folder.write("c2.csv", "id,name\nC1,Kovács A.\n")
        _ = try CSVImporter.run(second, into: .customers, store: store)
        let c1 = try #require(try store.customers(ids: ["C1"]).rows["C1"])
        #expect(c1.name == "Kovács A.")
        #expect(c1.email == "anna@example.hu")
        #expect(c1.tier == "gold")
        #expect(c1.optedOut)
    }

    @Test func testReimportOfPurchasesUpdatesByID() throws {
        try seedCustomers("C1", "C2", "C3")
        let first = folder.write("p1.csv", "id,customer_id,purchased_at,amount\nP1,C1,2026-11-09T10:00:00Z,10\n")
        _ = try CSVImporter.run(first, into: .purchases, store: store)
        let second = folder.write("p2.csv", "id,customer_id,purchased_at,amount\nP1,C1,2026-11-09T10:00:00Z,25.5\nP2,C1,2026-11-10T10:00:00Z,5\n")
        _ = try CSVImporter.run(second, into: .purchases, store: store)
        #expect(try count("purchases") == 2)
        #expect(try row("purchases", "P1")?["amount"] as Double? == 25.5)
    }
}
