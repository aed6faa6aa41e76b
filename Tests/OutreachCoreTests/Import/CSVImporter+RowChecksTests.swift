import Foundation
import GRDB
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// `import` refuses, naming the lines, a file that repeats an id or names a customer the store
/// does not have, and writes nothing of it.
extension CSVImporterTests {
    // MARK: The same id twice

    @Test(arguments: [
        (CSVImporter.Table.customers, "id,name\nN1,Anna\nN2,Emma\nN1,Anna again\n", 2, 4),
        (.customers, "id,name\nN1,Anna\nN2,Emma\nN3,Liam\n  N2  ,Emma again\n", 3, 5),
        (.tickets, "id,customer_id,subject,status,opened_at,updated_at\nT1,C1,\"Two\nlines\",open,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\n"
            + "T2,C1,One,open,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\nT1,C2,Again,open,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\n", 2, 5),
        (.purchases, "id,customer_id,purchased_at\nP1,C1,2026-11-01T10:00:00Z\nP2,C2,2026-11-01T10:00:00Z\nP3,C1,2026-11-01T10:00:00Z\nP2,C1,2026-11-02T10:00:00Z\n", 3, 5),
        (.tickets, "id,customer_id,status,opened_at,updated_at\nT1,C1,open,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\nT1,C2,solved,2026-11-01T10:00:00Z,2026-11-02T10:00:00Z\n", 2, 3),
    ])
    func testAnIdTwiceInOneFileIsRefusedNamingBothLines(_ table: CSVImporter.Table, _ text: String, _ first: Int, _ second: Int) throws {
        try seedCustomers("C1", "C2")
        let before = try count(table.rawValue)
        let path = folder.write("\(table.rawValue).csv", text)
        let error = try #require(failing(path, into: table))
        #expect(error.line == second, "\(error)")
        #expect(error.column == "1 (id)", "\(error)")
        #expect(error.description.contains("line \(first)") && error.description.contains("line \(second)"), "\(error)")
        #expect(try count(table.rawValue) == before)
    }

    @Test func testTheSameIdInTwoFilesIsAnUpdateAndNothingOfTheCheckIsLeftBehind() throws {
        let path = folder.write("c.csv", "id,name\nN1,Anna\nN2,Emma\n")
        #expect(try CSVImporter.run(path, into: .customers, store: store) == 2)
        #expect(try CSVImporter.run(path, into: .customers, store: store) == 2)
        #expect(try count("customers") == 2)
        #expect(try store.queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_temp_master WHERE name = 'import_ids'") } == 0)
    }

    @Test func testALargeFileWithOneRepeatNamesItsLines() throws {
        try seedCustomers("C1", "C2")
        var text = "id,customer_id,purchased_at,amount\n"
        for i in 1...20_000 { text += "P\(i),C\(i % 2 + 1),2026-11-01T10:00:00Z,\(i)\n" }
        text += "P7,C1,2026-11-01T10:00:00Z,1\n"
        let path = folder.write("big.csv", text)
        let error = try #require(failing(path, into: .purchases))
        #expect(error.line == 20_002)
        #expect(error.description.contains("line 8 "), "\(error)")
        #expect(try count("purchases") == 0)
    }

    // MARK: A customer the store does not have

    @Test(arguments: [
        (CSVImporter.Table.purchases, "id,customer_id,purchased_at\nP1,C1,2026-11-01T10:00:00Z\nP2,GHOST,2026-11-01T10:00:00Z\nP3,C2,2026-11-01T10:00:00Z\n", "GHOST"),
        (.tickets, "id,customer_id,status,opened_at,updated_at\nT1,C1,open,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\nT2,c1,open,2026-11-01T10:00:00Z,2026-11-01T10:00:00Z\n", "c1"),
    ])
    func testARowOfACustomerNotInTheStoreIsRefusedNamingLineAndCustomer(_ table: CSVImporter.Table, _ text: String, _ customer: String) throws {
        try seedCustomers("C1", "C2")
        let error = try #require(failing(folder.write("\(table.rawValue).csv", text), into: table))
        #expect(error.line == 3)
        #expect(error.column == "2 (customer_id)")
        #expect(error.description.contains("customer \"\(customer)\" is not in the store"), "\(error)")
        #expect(try count(table.rawValue) == 0)
    }

    @Test func testPurchasesOfCustomersInTheStoreImport() throws {
        try seedCustomers("C1", "C2")
        let path = folder.write("p.csv", "id,customer_id,purchased_at\nP1, C1 ,2026-11-01T10:00:00Z\nP2,C2,2026-11-01T10:00:00Z\n")
        #expect(try CSVImporter.run(path, into: .purchases, store: store) == 2)
    }
}
