import Foundation
import OutreachTestSupport
import Testing

/// The built binary against hostile numbers, times, templates and arguments: exit 1 with
/// `FILE:LINE:` and a message, never a trap (exit 132/134/139, a backtrace) and never minutes of work.
///
/// Problems are looked for in stdout and stderr together: `check` may print them on either.
@Suite struct HostileInputCLITests {
    /// A demo whose config is ``FullConfiguration``: every numeric key, one per line.
    struct Deployment {
        let demo: CLIDemo
        var lines: [String] { FullConfiguration.lines }

        init(sourceLocation: SourceLocation = #_sourceLocation) throws {
            demo = try CLIDemo(sourceLocation: sourceLocation)
            let secret = demo.dir + "/" + FullConfiguration.secretFile
            try "whsec_c2VjcmV0LWZvci10ZXN0cw==\n".write(toFile: secret, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        }

        /// Writes the config with `key = value` (the first `key` after the line `after`) and returns that 1-based line.
        @discardableResult
        func write(_ key: String, _ value: String, after: String = "[store]") throws -> Int {
            let (lines, line) = try #require(FullConfiguration.setting(key, to: value, after: after))
            try lines.joined(separator: "\n").write(toFile: demo.config, atomically: true, encoding: .utf8)
            return line
        }
    }

    /// A key with the values that must each be refused, and the table line it follows.
    struct Hostile: Sendable, CustomStringConvertible {
        var key: String
        var after: String
        var values: [String]
        var description: String { "\(after) \(key)" }
    }

    static let durations = ["\"9999999999999999d\"", "\"106751991167300d\"", "\"99999999999999d\"", "\"9223372036854775807s\"",
                            "\"99999999999999999999999999s\"", "\"36501d\"", "\"3661d\"", "\"-1s\"", "\"1.5h\"", "\"\"", "60", "9e99", "nan"]

    static let hostile: [Hostile] = [
        Hostile(key: "interval", after: "[schedule]", values: durations + ["\"0s\"", "\"25h\""]),
        Hostile(key: "drain_timeout", after: "[schedule]", values: durations + ["\"2h\""]),
        Hostile(key: "max_per_customer", after: "[schedule]",
                values: ["\"0/24h\"", "\"1/0s\"", "\"1001/24h\"", "\"1/9999999999999999d\"", "\"99999999999999999999/24h\"", "\"1/367d\"", "\"x/24h\""]),
        Hostile(key: "send_window", after: "[schedule]", values: ["\"25:00-26:00\"", "\"24:00-06:00\"", "\"9:00-17:00\"", "\"09:60-17:00\"", "\"09:00-09:00\""]),
        Hostile(key: "concurrency", after: "[channels.spool]", values: ["0", "257", "-1", "9223372036854775807", "99999999999999999999", "1e400", "inf"]),
        Hostile(key: "rate", after: "[channels.spool]", values: ["\"0.000001/h\"", "\"0/s\"", "\"-1/s\"", "\"inf/s\"", "\"nan/s\"", "\"1e400/s\"", "\"10001/s\""]),
        Hostile(key: "connect_timeout", after: "[channels.email]", values: durations + ["\"0s\""]),
        Hostile(key: "command_timeout", after: "[channels.email]", values: durations),
        Hostile(key: "data_timeout", after: "[channels.email]", values: durations),
        Hostile(key: "timeout", after: "[channels.hook]", values: durations + ["\"0s\""]),
        Hostile(key: "send_at", after: "name = \"birthday\"", values: ["\"24:00\"", "\"9:00\"", "\"09:60\"", "\"99:99\"", "\"-1:00\""]),
        Hostile(key: "priority", after: "name = \"birthday\"", values: ["1001", "-1001", "9223372036854775807", "-9223372036854775808", "99999999999999999999"]),
        Hostile(key: "max_lateness", after: "name = \"birthday\"", values: durations),
        Hostile(key: "after", after: "name = \"ticket_follow_up\"", values: durations),
        Hostile(key: "repeat_every", after: "name = \"ticket_follow_up\"", values: durations + ["\"0s\"", "\"59m\""]),
        Hostile(key: "max_repeats", after: "name = \"ticket_follow_up\"", values: ["1000000000", "101", "-1", "9223372036854775807", "99999999999999999999"]),
        Hostile(key: "after", after: "name = \"satisfaction\"", values: durations),
        Hostile(key: "after", after: "name = \"check_in\"", values: durations),
        Hostile(key: "min_amount", after: "name = \"check_in\"", values: ["inf", "-inf", "nan", "-1", "1e400"]),
        Hostile(key: "after", after: "name = \"we_miss_you\"", values: durations),
        Hostile(key: "min_spend", after: "name = \"we_miss_you\"", values: ["inf", "nan", "-1"]),
    ]

    /// Exit 1, `FILE:LINE: ` in the output, no trap.
    func expectRefused(_ result: CLIResult, file: String, line: Int, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 1, "\(what): \(result)", sourceLocation: sourceLocation)
        #expect(![132, 134, 139].contains(result.status), "\(what): \(result)", sourceLocation: sourceLocation)
        #expect((result.stdout + result.stderr).contains("\(file):\(line): "), "\(what): \(result)", sourceLocation: sourceLocation)
        #expect(result.hasNoStackTrace, "\(what): \(result)", sourceLocation: sourceLocation)
    }

    @Test func testTheDeploymentIsValid() throws {
        let d = try Deployment()
        try d.write("interval", "\"60s\"")
        let check = try d.demo.run("check")
        #expect(check.status == 0, "\(check)")
    }

    @Test(arguments: hostile)
    func testCheckRefusesEveryHostileValueWithItsLineAndNeverCrashes(_ hostile: Hostile) throws {
        let d = try Deployment()
        for value in hostile.values {
            let line = try d.write(hostile.key, value, after: hostile.after)
            expectRefused(try d.demo.run("check"), file: d.demo.config, line: line, "\(hostile.key) = \(value)")
        }
    }

    @Test(arguments: ["\"99999999999999d\"", "\"106751991167300d\"", "\"9999999999d\""])
    func testPreviewAndExplainRefuseDurationsTheyCouldNotComputeWith(_ value: String) throws {
        // Such values used to pass `check` and then trap `preview` in date arithmetic.
        let d = try Deployment()
        for (key, after) in [("after", "name = \"check_in\""), ("max_lateness", "name = \"birthday\""), ("repeat_every", "name = \"ticket_follow_up\"")] {
            let line = try d.write(key, value, after: after)
            expectRefused(try d.demo.run("preview", "--at", CLIDemo.now), file: d.demo.config, line: line, "preview with \(key) = \(value)")
            expectRefused(try d.demo.run("explain", "--customer", "C001", "--at", CLIDemo.now), file: d.demo.config, line: line, "explain with \(key) = \(value)")
        }
    }

    @Test func testTheLargestAcceptedValuesWorkWithStoreTimesAtTheEdgesOfTheCalendar() throws {
        let d = try Deployment()
        var lines = d.lines
        for (key, value) in [("interval", "\"24h\""), ("drain_timeout", "\"1h\""), ("max_per_customer", "\"1000/366d\""), ("concurrency", "256"),
                             ("rate", "\"1/m\""), ("connect_timeout", "\"24h\""), ("command_timeout", "\"24h\""), ("data_timeout", "\"24h\""),
                             ("timeout", "\"24h\""), ("priority", "1000"), ("max_lateness", "\"366d\""), ("repeat_every", "\"1h\""),
                             ("max_repeats", "100"), ("min_amount", "1e300"), ("min_spend", "0")] {
            let index = try #require(lines.firstIndex { $0.hasPrefix(key + " = ") })
            lines[index] = "\(key) = \(value)"
        }
        lines = lines.map { $0.hasPrefix("after = ") ? "after = \"3660d\"" : $0 }
        try lines.joined(separator: "\n").write(toFile: d.demo.config, atomically: true, encoding: .utf8)
        // Rows dated at the first and the last instant a store timestamp can name.
        let purchases = d.demo.folder.write("purchases.csv", "id,customer_id,purchased_at,amount,currency,item\n"
            + "PX1,C001,9999-12-31T23:59:59+18:00,1e308,EUR,Last\nPX2,C001,0001-01-01T00:00:00-18:00,100,EUR,First\n")
        let tickets = d.demo.folder.write("tickets.csv", "id,customer_id,subject,status,opened_at,updated_at,solved_at\n"
            + "TX1,C001,Late,open,9999-12-31T23:59:59Z,9999-12-31T23:59:59Z,\nTX2,C001,Early,open,0001-01-01T00:00:00Z,0001-01-01T00:00:00Z,\n"
            + "TX3,C001,Done,solved,0001-01-01T00:00:00Z,9999-12-31T23:59:59Z,9999-12-31T23:59:59Z\n")
        #expect(try d.demo.run("import", "purchases", purchases).status == 0)
        #expect(try d.demo.run("import", "tickets", tickets).status == 0)
        let check = try d.demo.run("check")
        #expect(check.status == 0, "\(check)")
        for at in [CLIDemo.now, "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z", "9999-12-31", "0001-01-01"] {
            for command in [["preview", "--at", at], ["explain", "--customer", "C001", "--at", at], ["forecast", "--days", "366", "--at", at]] {
                let result = try outreachd(command + ["--config", d.demo.config], in: d.demo.folder.path)
                #expect(result.status == 0, "\(command): \(result)")
                #expect(result.hasNoStackTrace, "\(command): \(result)")
            }
        }
    }

    // MARK: Messages

    @Test func testMessagesSayWhatIsWrong() throws {
        let d = try Deployment()
        for (key, value, after, message) in [
            ("send_window", "\"25:00-26:00\"", "[schedule]", "hour 25 is not 00–23"),
            ("send_at", "\"24:00\"", "name = \"birthday\"", "hour 24 is not 00–23"),
            ("send_at", "\"9:00\"", "name = \"birthday\"", "two digits"),
            ("send_at", "\"09:60\"", "name = \"birthday\"", "minute 60 is not 00–59"),
            ("max_per_customer", "\"0/24h\"", "[schedule]", "the count 0 must be between 1 and 1000"),
            ("max_per_customer", "\"1/0s\"", "[schedule]", "the period 0s is too short"),
            ("interval", "\"9999999999999999d\"", "[schedule]", "is too long: interval must be between 1s and 24h"),
            ("rate", "\"0.000001/h\"", "[channels.spool]", "too slow"),
            ("max_repeats", "99999999999999999999", "name = \"ticket_follow_up\"", "max_repeats"),
        ] {
            let line = try d.write(key, value, after: after)
            let check = try d.demo.run("check")
            expectRefused(check, file: d.demo.config, line: line, "\(key) = \(value)")
            #expect((check.stdout + check.stderr).contains(message), "\(key) = \(value): \(check)")
        }
    }

    @Test func testOneBadValueIsOneProblem() throws {
        let d = try Deployment()
        for (key, value, after) in [("kind", "\"smpt\"", "[channels.email]"), ("kind", "\"maildr\"", "[channels.spool]"),
                                    ("kind", "\"unresolved_tickets\"", "name = \"ticket_follow_up\""),
                                    ("repeat_every", "\"sometimes\"", "name = \"ticket_follow_up\"")] {
            let line = try d.write(key, value, after: after)
            let check = try d.demo.run("check")
            expectRefused(check, file: d.demo.config, line: line, "\(key) = \(value)")
            let problems = (check.stdout + check.stderr).components(separatedBy: "\n").filter { $0.hasPrefix(d.demo.config + ":") }
            #expect(problems.count == 1, "\(key) = \(value): \(problems)")
        }
    }

    // MARK: Templates

    @Test func testAnUnclosedTagIsNamedWithItsLine() throws {
        let demo = try CLIDemo()
        let file = demo.dir + "/templates/birthday.txt"
        for text in ["Subject: Hi\n\nHello {{customer.name", "Subject: Hi\n\nHello {{customer.name\nRegards, {{company.name}}\n"] {
            try text.write(toFile: file, atomically: true, encoding: .utf8)
            let check = try demo.run("check")
            expectRefused(check, file: file, line: 3, text)
            #expect((check.stdout + check.stderr).contains("\"{{customer.name\" is never closed"), "\(check)")
            #expect(!(check.stdout + check.stderr).contains("overflow"), "\(check)")
        }
    }

    @Test func testATwoMegabyteTemplateIsRefusedAtOnce() throws {
        // It kept `check` busy for more than a quarter of an hour; the helper's own timeout (60 s) fails a regression.
        let demo = try CLIDemo()
        let file = demo.dir + "/templates/birthday.txt"
        try ("Subject: Hello {{customer.first_name}}\n\n" + String(repeating: "Dear {{customer.first_name}}, from {{company.name}} with love.\n", count: 32_000))
            .write(toFile: file, atomically: true, encoding: .utf8)
        let check = try demo.run("check")
        #expect(check.status == 1, "\(check)")
        #expect((check.stdout + check.stderr).contains("\(file): the file is 1.9 MiB; a template is at most 1.0 MiB"), "\(check)")
        #expect(check.hasNoStackTrace)
    }

    // MARK: Arguments

    @Test func testNegativeAndOutOfRangeNumbersOnTheCommandLineNameTheOption() throws {
        let demo = try CLIDemo()
        for (arguments, message) in [(["forecast", "--days", "-1"], "--days must be between 1 and 366"),
                                     (["forecast", "--days", "0"], "--days must be between 1 and 366"),
                                     (["forecast", "--days", "367"], "--days must be between 1 and 366"),
                                     (["forecast", "--days", "-99999999999999999999"], "--days"),
                                     (["status", "--failures", "-1"], "--failures must be between 0 and 1000"),
                                     (["status", "--failures", "1001"], "--failures must be between 0 and 1000"),
                                     (["status", "--failures", "99999999999999999999"], "--failures")] {
            let result = try demo.run(arguments[0], arguments[1], arguments[2])
            #expect(result.status == 1, "\(arguments): \(result)")
            #expect(result.stderr.contains(message), "\(arguments): \(result)")
            #expect(!result.stderr.contains("Missing value"), "\(arguments): \(result)")
            #expect(result.hasNoStackTrace)
        }
        #expect(try demo.run("status", "--failures", "0").status == 0)
    }
}
