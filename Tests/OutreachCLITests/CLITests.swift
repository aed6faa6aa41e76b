import Foundation
import OutreachTestSupport
import OutreachCore
import Testing

/// The command line as an operator uses it: the built binary, real files, exit codes and output.
@Suite struct CLITests {
    // MARK: init and check

    @Test func testInitDemoThenCheckSucceeds() throws {
        let demo = try CLIDemo()
        for name in ["outreachd.toml", "customers.db", "state.db", "templates/birthday.txt", "templates/footer.th.txt", "Maildir"] {
            #expect(FileManager.default.fileExists(atPath: demo.dir + "/" + name), "\(name) missing")
        }
        let check = try demo.run("check")
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains("usable"), "\(check)")
        #expect(check.hasNoStackTrace)
    }

    @Test func testConfigComesFromTheEnvironmentWhenNotGiven() throws {
        let demo = try CLIDemo()
        let check = try outreachd(["check"], in: demo.folder.path, environment: ["OUTREACHD_CONFIG": demo.config])
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains(demo.config), "\(check)")
    }

    @Test func testMissingConfigFileIsExitOneNamingTheFile() throws {
        let folder = TemporaryFolder()
        let path = folder.file("nope.toml")
        for command in [["check"], ["preview"], ["explain", "--customer", "C001"], ["forecast", "--days", "7"]] {
            let result = try outreachd(command + ["--config", path])
            #expect(result.status == 1, "\(command): \(result)")
            #expect((result.stdout + result.stderr).contains(path), "\(command): \(result)")
            #expect(result.hasNoStackTrace, "\(command): \(result)")
        }
    }

    @Test func testCheckReportsAnUnknownKeyWithFileAndLine() throws {
        let demo = try CLIDemo()
        var lines = try String(contentsOfFile: demo.config, encoding: .utf8).components(separatedBy: "\n")
        let schedule = try #require(lines.firstIndex(of: "[schedule]"))
        lines.insert("intervall = \"30s\"", at: schedule + 1)   // 1-based line schedule + 2
        try lines.joined(separator: "\n").write(toFile: demo.config, atomically: true, encoding: .utf8)
        let check = try demo.run("check")
        #expect(check.status == 1, "\(check)")
        #expect(check.stderr.contains("\(demo.config):\(schedule + 2): "), "\(check)")
        #expect(check.stderr.contains("intervall"), "\(check)")
        #expect(check.hasNoStackTrace)
        // preview refuses a broken config too, with the same location, on stderr.
        let preview = try demo.run("preview", "--at", CLIDemo.now)
        #expect(preview.status == 1, "\(preview)")
        #expect(preview.stderr.contains("\(demo.config):\(schedule + 2): "), "\(preview)")
        #expect(preview.stdout.isEmpty)
    }

    @Test func testCheckReportsEveryProblemAtOnce() throws {
        let demo = try CLIDemo()
        var text = try String(contentsOfFile: demo.config, encoding: .utf8)
        text = text.replacingOccurrences(of: "timezone = \"Europe/Budapest\"", with: "timezone = \"Europe/Budapset\"")
            .replacingOccurrences(of: "after = \"14d\"", with: "after = \"2w\"")
        try text.write(toFile: demo.config, atomically: true, encoding: .utf8)
        try "Subject: Hi {{customer.first_name}}\n\nYour {{ticket.subject}}\n".write(toFile: demo.dir + "/templates/birthday.sv.txt", atomically: true, encoding: .utf8)
        let check = try demo.run("check")
        #expect(check.status == 1, "\(check)")
        let lines = text.components(separatedBy: "\n")
        let zoneLine = try #require(lines.firstIndex { $0.contains("Budapset") }) + 1
        let afterLine = try #require(lines.firstIndex { $0.contains("\"2w\"") }) + 1
        #expect(check.stderr.contains("\(demo.config):\(zoneLine): "), "\(check)")
        #expect(check.stderr.contains("\(demo.config):\(afterLine): "), "\(check)")
    }

    @Test func testCheckReportsABrokenTemplateWithFileAndLine() throws {
        let demo = try CLIDemo()
        let file = demo.dir + "/templates/birthday.th.txt"
        try "Subject: สุขสันต์วันเกิด\n\nสวัสดีค่ะ\n{{purchase.item}}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let check = try demo.run("check")
        #expect(check.status == 1, "\(check)")
        #expect(check.stderr.contains("\(file):4: "), "\(check)")
    }

    @Test func testInitDemoRefusesAFolderThatIsNotADemo() throws {
        let folder = TemporaryFolder()
        folder.write("mine/notes.txt", "keep")
        let result = try outreachd(["init", "--demo", "--dir", folder.file("mine"), "--templates", CLI.templates])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("mine"), "\(result)")
        #expect(result.hasNoStackTrace)
        #expect(FileManager.default.contents(atPath: folder.file("mine/notes.txt")) == Data("keep".utf8))
    }

    // MARK: preview

    @Test func testPreviewJSONLIsOneObjectPerLineWithTheContractFields() throws {
        let demo = try CLIDemo()
        let result = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl")
        #expect(result.status == 0, "\(result)")
        #expect(result.hasNoStackTrace)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.last == "", "output must end with a newline")
        let objects = lines.dropLast().compactMap { jsonObject($0) }
        #expect(objects.count == lines.count - 1)
        #expect(objects.count >= 5)
        let iso = ISO8601DateFormatter()
        var keys: Set<String> = []
        for object in objects {
            for field in ["key", "rule", "customer_id", "channel", "to", "subject", "body", "due_at", "locale"] {
                #expect(object[field] is String, "\(field) missing or not a string in \(object)")
            }
            let key = object["key"] as? String ?? ""
            #expect(keys.insert(key).inserted, "\(key) twice")
            #expect(CLIDemo.rules.contains(object["rule"] as? String ?? ""))
            #expect(object["channel"] as? String == "spool")
            #expect((object["to"] as? String)?.contains("@") == true)
            #expect((object["body"] as? String)?.isEmpty == false)
            #expect((object["body"] as? String)?.contains("{{") == false)
            if key.hasPrefix("birthday:") || key.hasPrefix("inactive:") {
                #expect(key.contains(":\(object["customer_id"] as? String ?? "?"):"), "\(key) vs \(object["customer_id"] ?? "")")
            }
            let dueAt = object["due_at"] as? String ?? ""
            let due = iso.date(from: dueAt)
            #expect(due != nil, "due_at \(dueAt) is not ISO 8601 with an offset")
            #expect(due.map { $0 <= iso.date(from: CLIDemo.now)! } == true, "\(key) due \(dueAt) after the preview instant")
        }
        #expect(Set(objects.compactMap { $0["rule"] as? String }) == Set(CLIDemo.rules))
        #expect(Set(objects.compactMap { $0["locale"] as? String }) == ["hu", "sv-SE", "th", "en"])
        // The text format shows the same messages.
        let text = try demo.run("preview", "--at", CLIDemo.now)
        #expect(text.status == 0)
        #expect(text.stdout.contains("\(objects.count) messages due at"), "\(text.stdout.suffix(200))")
        for key in keys { #expect(text.stdout.contains("=== \(key) ")) }
    }

    @Test func testPreviewKeepsThaiAndHungarianTextIntact() throws {
        let demo = try CLIDemo()
        let result = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl", "--customer", "C025")
        let object = try #require(result.lines.first.flatMap { jsonObject($0) })
        #expect(object["locale"] as? String == "th")
        #expect(object["subject"] as? String == "สุขสันต์วันเกิดค่ะ คุณสมชาย")
        #expect((object["body"] as? String)?.hasPrefix("สวัสดีค่ะ คุณสมชาย\n") == true)
        #expect((object["body"] as? String)?.contains("ด้วยความปรารถนาดี\nทีมดูแลลูกค้า Example Kft.") == true)
        let hungarian = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl", "--customer", "C001")
        let hu = try #require(hungarian.lines.first.flatMap { jsonObject($0) })
        #expect(hu["subject"] as? String == "Boldog születésnapot kívánunk, Anna")
        #expect((hu["body"] as? String)?.hasPrefix("Kedves Anna!\n") == true)
    }

    @Test func testPreviewRuleAndCustomerFilters() throws {
        let demo = try CLIDemo()
        let all = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl").lines.compactMap { jsonObject($0) }
        // A filter narrows what is shown; it must not change what is due (the cap still sees every rule).
        for rule in CLIDemo.rules {
            let filtered = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl", "--rule", rule)
            #expect(filtered.status == 0, "\(filtered)")
            let objects = filtered.lines.compactMap { jsonObject($0) }
            #expect(!objects.isEmpty, "\(rule)")
            #expect(objects.allSatisfy { $0["rule"] as? String == rule }, "\(rule)")
            let expected = Set(all.filter { $0["rule"] as? String == rule }.compactMap { $0["key"] as? String })
            let shown = Set(objects.compactMap { $0["key"] as? String })
            #expect(shown == expected, "--rule \(rule) shows \(shown.subtracting(expected).sorted()) that a full preview does not (and hides \(expected.subtracting(shown).sorted()))")
        }

        let customer = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl", "--customer", "C002")
        #expect(customer.status == 0, "\(customer)")
        let customerObjects = customer.lines.compactMap { jsonObject($0) }
        #expect(!customerObjects.isEmpty)
        #expect(customerObjects.allSatisfy { $0["customer_id"] as? String == "C002" })

        let both = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl", "--customer", "C002", "--rule", "check_in")
        #expect(both.status == 0, "\(both)")
        #expect(both.lines.isEmpty, "C002's check-in waits for the cap behind the birthday: \(both)")

        let unknownRule = try demo.run("preview", "--at", CLIDemo.now, "--rule", "no_such_rule")
        #expect(unknownRule.status == 1, "\(unknownRule)")
        #expect(unknownRule.stderr.contains("no_such_rule"))
        #expect(unknownRule.hasNoStackTrace)
    }

    @Test(arguments: ["2026-12-24", "2026-12-24T10:00:00+01:00", "2026-11-23T10:00:00Z"])
    func testPreviewAcceptsDatesAndInstants(_ time: String) throws {
        let demo = try CLIDemo()
        let result = try demo.run("preview", "--at", time)
        #expect(result.status == 0, "\(result)")
        #expect(result.hasNoStackTrace)
        if time == "2026-12-24" {
            // A date is that day's start in the default zone (Europe/Budapest in the demo).
            #expect(result.stdout.contains("due at 2026-12-24T00:00:00+01:00"), "\(result)")
        }
    }

    @Test(arguments: ["yesterday", "2026-13-01", "2026-12-24T10:00:00", "24/12/2026", ""])
    func testPreviewRefusesABadTimeWithExitOneAndNoStackTrace(_ time: String) throws {
        let demo = try CLIDemo()
        let result = try demo.run("preview", "--at", time)
        #expect(result.status == 1, "\(result)")
        #expect(result.hasNoStackTrace, "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
        #expect(result.stderr.contains("--at"), "\(result)")
        if !time.isEmpty { #expect(result.stderr.contains(time), "\(result)") }
    }

    @Test func testPreviewWithoutAtUsesNow() throws {
        let demo = try CLIDemo()
        let result = try demo.run("preview")
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("due at "), "\(result)")
    }

    // MARK: explain

    @Test func testExplainNamesEveryRuleWithAReason() throws {
        let demo = try CLIDemo()
        let result = try demo.run("explain", "--customer", "C002", "--at", CLIDemo.now)
        #expect(result.status == 0, "\(result)")
        #expect(result.hasNoStackTrace)
        let sections = result.stdout.components(separatedBy: "\n\n")
        for rule in CLIDemo.rules {
            let section = try #require(sections.first { $0.hasPrefix(rule + " (") }, "no section for \(rule): \(result.stdout)")
            let reasons = section.split(separator: "\n").dropFirst().filter { $0.hasPrefix("  ") }
            #expect(!reasons.isEmpty, "\(rule) has no reason: \(section)")
        }
        let birthday = try #require(sections.first { $0.hasPrefix("birthday (") })
        #expect(birthday.contains("due now"), "\(birthday)")
        let checkIn = try #require(sections.first { $0.hasPrefix("check_in (") })
        #expect(checkIn.contains("frequency cap"), "\(checkIn)")
        #expect(checkIn.contains("waits until"), "\(checkIn)")
    }

    /// Each kind's reason, word for word: the demo's C004 has no birthday, no ticket, a small
    /// purchase and little spend, so no rule finds anything.
    @Test func testExplainSaysWhatEachKindOfRuleMisses() throws {
        let demo = try CLIDemo()
        let result = try demo.run("explain", "--customer", "C004", "--at", CLIDemo.now)
        #expect(result.status == 0, "\(result)")
        let range = "nothing due between 2026-09-17T12:00:00+02:00 and 2027-12-28T11:00:00+01:00: "
        let expected = [
            "birthday (birthday": "nothing due between 2026-09-23T12:00:00+02:00 and 2027-12-28T11:00:00+01:00: no birthday on file",
            "ticket_follow_up (unresolved_ticket": range + "no open or pending ticket quiet for 2d in this range",
            "satisfaction (satisfaction_survey": range + "no ticket solved 3d before a time in this range",
            "check_in (post_purchase": range + "no purchase of at least 50 whose check-in (14d later) falls in this range",
            "we_miss_you (inactive": range + "no last purchase 90d before a time in this range (tier gold, min_spend 100,000)",
        ]
        let sections = result.stdout.components(separatedBy: "\n\n")
        for (header, line) in expected {
            let section = try #require(sections.first { $0.hasPrefix(header) }, "no section \(header): \(result.stdout)")
            #expect(section.split(separator: "\n").last.map(String.init) == "  " + line, "\(section)")
        }
    }

    @Test func testExplainShowsWhyBrokenRowsAndOptOutsGetNothing() throws {
        let demo = try CLIDemo()
        let optedOut = try demo.run("explain", "--customer", "C011", "--at", CLIDemo.now)
        #expect(optedOut.status == 0, "\(optedOut)")
        #expect(optedOut.stdout.contains("opted out"), "\(optedOut)")
        let badZone = try demo.run("explain", "--customer", "C012", "--at", CLIDemo.now)
        #expect(badZone.status == 0, "\(badZone)")
        #expect(badZone.stdout.contains("Europe/Budapset"), "\(badZone)")
        let noAddress = try demo.run("explain", "--customer", "C024", "--at", CLIDemo.now)
        #expect(noAddress.status == 0, "\(noAddress)")
        #expect(noAddress.stdout.contains("no address"), "\(noAddress)")
    }

    @Test func testExplainUnknownCustomerIsExitOne() throws {
        let demo = try CLIDemo()
        let result = try demo.run("explain", "--customer", "NOPE", "--at", CLIDemo.now)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("NOPE"), "\(result)")
        #expect(result.hasNoStackTrace)
        #expect(result.stdout.isEmpty, "\(result)")
    }

    // MARK: forecast

    /// The day rows of a forecast table: (day, counts per rule, total).
    func dayRows(_ table: String) -> [(String, [Int], Int)] {
        table.split(separator: "\n").compactMap { line in
            let cells = line.split(separator: " ").map(String.init)
            guard let day = cells.first, day.range(of: #"^\d{4}-\d{2}-\d{2}$"#, options: .regularExpression) != nil else { return nil }
            let numbers = cells.dropFirst().compactMap { Int($0) }
            return (day, Array(numbers.dropLast()), numbers.last ?? -1)
        }
    }

    @Test func testForecastFromADateHasAHeaderSevenDaysAndATotal() throws {
        let demo = try CLIDemo()
        let result = try demo.run("forecast", "--days", "7", "--at", "2026-11-23")
        #expect(result.status == 0, "\(result)")
        let lines = result.lines
        let header = try #require(lines.first)
        for name in ["day"] + CLIDemo.rules + ["total"] { #expect(header.contains(name), "\(header)") }
        let rows = dayRows(result.stdout)
        #expect(rows.map(\.0) == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27", "2026-11-28", "2026-11-29"], "\(result.stdout)")
        for row in rows {
            #expect(row.1.count == CLIDemo.rules.count, "\(row)")
            #expect(row.1.reduce(0, +) == row.2, "\(row)")
        }
        let total = try #require(lines.first { $0.hasPrefix("total") })
        let totals = total.split(separator: " ").compactMap { Int($0) }
        #expect(totals.count == CLIDemo.rules.count + 1)
        #expect(totals.last == rows.map(\.2).reduce(0, +))
        #expect(totals.dropLast() == ArraySlice(CLIDemo.rules.indices.map { i in rows.map { $0.1[i] }.reduce(0, +) }))
        #expect(rows.first.map { $0.2 > 0 } == true, "messages are due on the demo's day: \(result.stdout)")
    }

    @Test func testForecastFromMidDayStillHasSevenDayRows() throws {
        let demo = try CLIDemo()
        let result = try demo.run("forecast", "--days", "7", "--at", CLIDemo.now)
        #expect(result.status == 0, "\(result)")
        let rows = dayRows(result.stdout)
        #expect(rows.count == 7, "asked for 7 days, got \(rows.count) day rows:\n\(result.stdout)")
        #expect(rows.first?.0 == "2026-11-23")
    }

    @Test func testForecastJSONL() throws {
        let demo = try CLIDemo()
        let result = try demo.run("forecast", "--days", "7", "--at", "2026-11-23", "--format", "jsonl")
        #expect(result.status == 0, "\(result)")
        let objects = result.lines.compactMap { jsonObject($0) }
        #expect(!objects.isEmpty)
        #expect(objects.count == result.lines.count)
        for object in objects {
            #expect(object["count"] is Int, "\(object)")
            #expect(CLIDemo.rules.contains(object["rule"] as? String ?? ""), "\(object)")
            #expect((object["day"] as? String)?.hasPrefix("2026-11-") == true, "\(object)")
        }
        let text = try demo.run("forecast", "--days", "7", "--at", "2026-11-23")
        let textTotal = dayRows(text.stdout).map(\.2).reduce(0, +)
        #expect(objects.compactMap { $0["count"] as? Int }.reduce(0, +) == textTotal)
    }

    @Test(arguments: ["0", "367", "-1", "seven"])
    func testForecastRefusesBadDays(_ days: String) throws {
        let demo = try CLIDemo()
        let result = try demo.run("forecast", "--days", days)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("--days") || result.stderr.contains("days"), "\(result)")
        #expect(result.hasNoStackTrace)
    }

    // MARK: import

    @Test func testImportBadCSVIsExitOneNamingTheLineAndWritesNothing() throws {
        let demo = try CLIDemo()
        let csv = demo.folder.write("bad.csv", "id,name,email\nN1,Új Ügyfél,uj@example.hu\nN2,Second,second@example.com\nN3,Third,not-an-address\n")
        let result = try demo.run("import", "customers", csv)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("bad.csv:4:"), "\(result)")
        #expect(result.stderr.contains("email"), "\(result)")
        #expect(result.hasNoStackTrace)
        let store = try SQLiteCustomerStore(path: demo.dir + "/customers.db")
        #expect(try store.customers(ids: ["N1", "N2", "N3"]).rows.isEmpty)
    }

    @Test func testImportGoodCSVThenPreviewSeesTheNewCustomer() throws {
        let demo = try CLIDemo()
        let csv = demo.folder.write("good.csv", "\u{FEFF}id,name,email,locale,timezone,birthday\r\nN1,\"Kiss, Új Ügyfél\",uj@example.hu,hu,Europe/Budapest,--11-23\r\n")
        let result = try demo.run("import", "customers", csv)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("1 row imported"), "\(result)")
        let preview = try demo.run("preview", "--at", CLIDemo.now, "--format", "jsonl", "--customer", "N1")
        let object = try #require(preview.lines.first.flatMap { jsonObject($0) }, "\(preview)")
        #expect(object["key"] as? String == "birthday:N1:2026")
        #expect(object["to"] as? String == "uj@example.hu")
    }

    @Test func testImportIntoAnUnknownTableIsExitOne() throws {
        let demo = try CLIDemo()
        let csv = demo.folder.write("x.csv", "id\n1\n")
        let result = try demo.run("import", "orders", csv)
        #expect(result.status == 1, "\(result)")
        #expect(result.hasNoStackTrace)
    }

    // MARK: The dry run writes nothing

    @Test func testReadOnlyCommandsWriteNothing() throws {
        let demo = try CLIDemo()
        let before = demo.folder.snapshot()
        #expect(before.keys.contains("demo/state.db"))
        let commands: [[String]] = [
            ["preview", "--at", CLIDemo.now],
            ["preview", "--at", CLIDemo.now, "--format", "jsonl"],
            ["preview"],
            ["explain", "--customer", "C001", "--at", CLIDemo.now],
            ["explain", "--customer", "C012"],
            ["forecast", "--days", "7", "--at", CLIDemo.now],
            ["forecast", "--days", "30", "--format", "jsonl"],
            ["check"],
        ]
        for command in commands {
            let result = try demo.run(command[0], Array(command.dropFirst()))
            #expect(result.status == 0, "\(command): \(result)")
        }
        let after = demo.folder.snapshot()
        #expect(Set(after.keys) == Set(before.keys), "new or removed files: \(Set(after.keys).symmetricDifference(before.keys).sorted())")
        for (name, data) in before where after[name] != data {
            Issue.record("\(name) changed")
        }
        let maildir = try FileManager.default.contentsOfDirectory(atPath: demo.dir + "/Maildir")
        #expect(maildir.isEmpty, "\(maildir)")
    }

    @Test func testReadOnlyCommandsWorkOnAReadOnlyFolder() throws {
        // preview opens everything read-only: it works where the operator cannot write.
        // Root ignores file permissions, so as root the binary runs as nobody (setpriv, util-linux).
        let demo = try CLIDemo()
        let fm = FileManager.default
        let launcher = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: demo.folder.path)
        // Folders r-x, files r--: readable and searchable, writable by nobody.
        let items = [demo.dir] + (fm.subpaths(atPath: demo.dir) ?? []).map { demo.dir + "/" + $0 }
        for item in items.reversed() {
            var isFolder: ObjCBool = false
            _ = fm.fileExists(atPath: item, isDirectory: &isFolder)
            try fm.setAttributes([.posixPermissions: isFolder.boolValue ? 0o555 : 0o444], ofItemAtPath: item)
        }
        defer { for item in items { try? fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: item) } }
        let result = try outreachd(["preview", "--config", demo.config, "--at", CLIDemo.now], in: demo.folder.path, launcher: launcher)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("birthday:"), "\(result.stdout)")
        #expect(try fm.contentsOfDirectory(atPath: demo.dir).sorted() == ["\(DemoSeed.marker)", "Maildir", "customers.db", "outreachd.toml", "state.db", "templates"].sorted())
    }
}

extension CLIDemo {
    /// `run(command, arguments)` with an array, for tables of commands.
    func run(_ command: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        try outreachd([command, "--config", config] + arguments, in: folder.path, sourceLocation: sourceLocation)
    }
}
