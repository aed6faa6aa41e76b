import Foundation
import GRDB
import OutreachCore
import OutreachTestSupport
import Testing

/// Store rows written by another tool, end to end through the built binary: what the tick cannot
/// use is left out of `preview` and `run`, and `explain` says why.
@Suite struct StoreRowsCLITests {
    /// Spoils rows of a demo store as another tool would write them: consent as words, a name in
    /// Latin-1, an amount in words, a status in another case.
    static func spoil(_ demo: CLIDemo) throws {
        let store = try SQLiteCustomerStore(path: demo.dir + "/customers.db", readOnly: false)
        try store.write { db in
            try db.execute(sql: """
                UPDATE customers SET opted_out = 'yes' WHERE id = 'C001';
                UPDATE customers SET opted_out = 'maybe' WHERE id = 'C002';
                UPDATE customers SET name = CAST(X'4576E9E9' AS TEXT) WHERE id = 'C003';
                UPDATE customers SET email = CAST(X'6576E9406578616D706C652E636F6D' AS TEXT) WHERE id = 'C013';
                UPDATE purchases SET amount = 'abc' WHERE customer_id = 'C014' AND amount > 1000;
                UPDATE tickets SET status = 'Open' WHERE customer_id = 'C005';
                """)
        }
    }

    static let spoiled = ["C001", "C002", "C003", "C013", "C014", "C005"]

    @Test func testPreviewLeavesOutRowsItCannotUseAndExplainSaysWhy() throws {
        let demo = try CLIDemo()
        let before = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl")
        let customersBefore = Set(before.lines.compactMap { jsonObject($0)?["customer_id"] as? String })
        #expect(Set(Self.spoiled).isSubset(of: customersBefore), "the demo has something due for each of them: \(customersBefore.sorted())")
        try Self.spoil(demo)

        let preview = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl")
        #expect(preview.status == 0, "\(preview)")
        #expect(preview.hasNoStackTrace)
        let lines = preview.lines.compactMap { jsonObject($0) }
        let customers = Set(lines.compactMap { $0["customer_id"] as? String })
        #expect(customers.isDisjoint(with: ["C001", "C002", "C003", "C013"]), "\(customers.sorted())")
        #expect(!lines.contains { ($0["key"] as? String)?.hasPrefix("check_in:") == true && $0["customer_id"] as? String == "C014" })
        #expect(!lines.contains { ($0["key"] as? String)?.hasPrefix("ticket_follow_up:") == true && $0["customer_id"] as? String == "C005" })
        #expect(!preview.stdout.contains("\u{FFFD}"), "nothing goes out garbled")
        #expect(customers.count >= customersBefore.count - Self.spoiled.count, "the others are still due")
        // Each reason is on stderr, without the address.
        for reason in ["opted_out \"maybe\"", "customers row C003: name is not valid UTF-8", "customers row C013: email is not valid UTF-8",
                       "amount \"abc\" is not a number", "status \"Open\" is not one of"] {
            #expect(preview.stderr.contains(reason), "\(reason): \(preview.stderr)")
        }
        #expect(!preview.stderr.contains("@example.com"), "\(preview.stderr)")

        let explained: [(String, String)] = [
            ("C001", "opted out"),
            ("C002", "skipped: customers row C002: opted_out \"maybe\" is not a consent value"),
            ("C003", "skipped: customers row C003: name is not valid UTF-8 text"),
            ("C013", "skipped: customers row C013: email is not valid UTF-8 text"),
            ("C014", "skipped: purchases row P0"),
            ("C005", "store: tickets row T0001 (customer C005): status \"Open\" is not one of open, pending, solved, closed"),
        ]
        for (customer, reason) in explained {
            let explain = try demo.run("explain", "--customer", customer, "--at", CLIDemo.now)
            #expect(explain.status == 0, "\(customer): \(explain)")
            #expect(explain.hasNoStackTrace)
            #expect(explain.stdout.contains(reason), "\(customer): \(explain.stdout)")
        }
    }

    @Test func testRunOnceDoesNotMailACustomerOptedOutAsYesNorAGarbledName() throws {
        // `run` evaluates at the wall clock: a demo seeded now.
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let now = formatter.string(from: Date())
        let demo = try CLIDemo(at: now)
        try Self.spoil(demo)
        let run = try demo.run("run", "--once")
        #expect(run.status == 0, "\(run)")
        #expect(run.hasNoStackTrace)
        let folder = demo.dir + "/Maildir/new"
        let messages = try FileManager.default.contentsOfDirectory(atPath: folder).map { try String(contentsOfFile: folder + "/" + $0, encoding: .utf8) }
        #expect(!messages.isEmpty, "the others are mailed: \(run)")
        for message in messages {
            #expect(!message.contains("anna.kovacs@example.com"), "C001 opted out as 'yes' was mailed")
            #expect(!message.contains("peter.nagy@example.com"), "C002, consent unknown, was mailed")
            #expect(!message.contains("eszter.szabo@example.com"), "C003, a garbled name, was mailed")
            #expect(!message.contains("\u{FFFD}") && !message.contains("=EF=BF=BD"), "a garbled message went out")
        }
        // The daemon's log names what it skipped, at notice level, without addresses.
        #expect(run.stderr.contains("store row skipped"), "\(run.stderr)")
        #expect(run.stderr.contains("opted_out"), "\(run.stderr)")
        #expect(!run.stderr.contains("@example.com"), "\(run.stderr)")
    }

    // MARK: explain's wording

    @Test func testExplainSaysEachTimeOnceAndAmountsAsAPersonWritesThem() throws {
        let demo = try CLIDemo()
        let stamp = try NSRegularExpression(pattern: #"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})"#)
        var output = ""
        for customer in ["C001", "C002", "C004", "C008", "C009", "C010", "C020"] {
            let explain = try demo.run("explain", "--customer", customer, "--at", CLIDemo.now)
            #expect(explain.status == 0, "\(explain)")
            for line in explain.lines {
                let stamps = stamp.matches(in: line, range: NSRange(line.startIndex..., in: line)).compactMap { Range($0.range, in: line).map { String(line[$0]) } }
                #expect(Set(stamps).count == stamps.count, "a time said twice: \(line)")
                #expect(line.range(of: #"\d\.0\b"#, options: .regularExpression) == nil, "a raw number: \(line)")
            }
            output += explain.stdout
        }
        for text in ["min_spend 100,000", "has spent 37,485, below", "amount 20 is below min_amount 50", ":00; not yet due"] {
            #expect(output.contains(text), "\(text) not in:\n\(output)")
        }
    }

    // MARK: import

    @Test func testImportOfADirectoryOrADeviceIsExitOneWithoutACrashOrAHang() throws {
        let demo = try CLIDemo()
        let directory = demo.folder.file("exports")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (path, what) in [(directory, "is a directory"), ("/dev/null", "is a device"), ("/dev/zero", "is a device")] {
            let result = try demo.run("import", "customers", path)
            #expect(result.status == 1, "\(path): \(result)")
            #expect(result.hasNoStackTrace, "\(path): \(result)")
            #expect(result.stderr.contains("\(path): \(what)"), "\(path): \(result)")
        }
    }

    @Test func testImportOfRepeatedIdsOrUnknownCustomersNamesTheLinesAndWritesNothing() throws {
        let demo = try CLIDemo()
        let store = demo.dir + "/customers.db"
        let before = try Data(contentsOf: URL(fileURLWithPath: store))
        let repeated = demo.folder.write("repeated.csv", "id,name\nN1,Anna\nN2,Emma\nN1,Anna again\n")
        let twice = try demo.run("import", "customers", repeated)
        #expect(twice.status == 1, "\(twice)")
        #expect(twice.stderr.contains("repeated.csv:4:") && twice.stderr.contains("line 2"), "\(twice)")
        let orphan = demo.folder.write("orphan.csv", "id,customer_id,purchased_at\nP9001,C001,2026-11-01T10:00:00Z\nP9002,NOBODY,2026-11-01T10:00:00Z\n")
        let missing = try demo.run("import", "purchases", orphan)
        #expect(missing.status == 1, "\(missing)")
        #expect(missing.stderr.contains("orphan.csv:3:") && missing.stderr.contains("\"NOBODY\""), "\(missing)")
        let after = try SQLiteCustomerStore(path: store)
        #expect(try after.customers(ids: ["N1", "N2"]).rows.isEmpty)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store)).count == before.count)
    }
}
