import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Every number an operator can write, however hostile: one clear error naming the key, its line
/// and what is wrong, never a trap; and the largest accepted values load.
@Suite struct ConfigurationLimitsTests {
    let folder: TemporaryFolder
    let configFile: String

    init() throws {
        (folder, configFile) = try ConfigurationLoaderTests.folderWithShippedTemplates()
    }

    /// A key of ``FullConfiguration`` as written: the line it follows (its table) and its name.
    struct Key: Sendable, CustomStringConvertible {
        var table: String
        var name: String
        var description: String { "\(table) \(name)" }
    }

    static let durationKeys = [
        Key(table: "[schedule]", name: "interval"), Key(table: "[schedule]", name: "drain_timeout"), Key(table: "[state]", name: "retain"),
        Key(table: "[channels.email]", name: "connect_timeout"), Key(table: "[channels.email]", name: "command_timeout"),
        Key(table: "[channels.email]", name: "data_timeout"), Key(table: "[channels.hook]", name: "timeout"),
        Key(table: "name = \"birthday\"", name: "max_lateness"), Key(table: "name = \"ticket_follow_up\"", name: "after"),
        Key(table: "name = \"ticket_follow_up\"", name: "repeat_every"), Key(table: "name = \"check_in\"", name: "after"),
        Key(table: "name = \"we_miss_you\"", name: "after"),
    ]

    /// Too long for any key (some beyond an Int of seconds, some beyond Int64 digits), or not a duration at all.
    static let hostileDurations = [
        "9999999999999999d", "106751991167300d", "9223372036854775807s", "9223372036854775807d", "99999999999999999999999999s",
        "36501d", "3661d", "-1s", "-9223372036854775808s", "1e9d", "1.5h", "", "d", "+5s", "١٢s", "inf", "nan", "0x10s",
    ]

    /// `lines` with the line `key = …` after `table` replaced by `key = value` (`value` as written in TOML).
    func setting(_ key: Key, to value: String, in lines: [String] = FullConfiguration.lines) -> (lines: [String], line: Int) {
        guard let result = FullConfiguration.setting(key.name, to: value, after: key.table, in: lines) else {
            Issue.record("test bug: no \(key.name) after \(key.table)")
            return (lines, -1)
        }
        return result
    }

    func parse(_ lines: [String]) -> [Diagnostic] {
        ConfigurationLoader.parse(lines.joined(separator: "\n"), file: configFile).1
    }

    /// Exactly one diagnostic, on `line`, naming `key`, printed as `FILE:LINE: …`.
    func expectOneProblem(_ problems: [Diagnostic], key: String, line: Int, mentioning text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(problems.count == 1, "\(problems.map(\.description))", sourceLocation: sourceLocation)
        guard let d = problems.first else { return }
        #expect(d.line == line, "\(d.description)", sourceLocation: sourceLocation)
        #expect(d.description.hasPrefix("\(configFile):\(line): "), "\(d.description)", sourceLocation: sourceLocation)
        #expect(d.message.contains(key), "\(d.description)", sourceLocation: sourceLocation)
        if let text { #expect(d.message.contains(text), "\(d.description)", sourceLocation: sourceLocation) }
    }

    @Test func testFullConfigurationIsValid() {
        #expect(parse(FullConfiguration.lines).isEmpty, "\(parse(FullConfiguration.lines).map(\.description))")
    }

    // MARK: Durations

    @Test(arguments: durationKeys)
    func testHostileDurationsAreOneErrorOnTheirLine(_ key: Key) {
        for value in Self.hostileDurations {
            let (lines, line) = setting(key, to: "\"\(value)\"")
            expectOneProblem(parse(lines), key: key.name, line: line)
        }
    }

    @Test(arguments: durationKeys)
    func testTooLongDurationsSayTooLongAndTheRange(_ key: Key) {
        for value in ["9999999999999999d", "9223372036854775807s", "99999999999999999999999999s", "36501d", "3661d"] {
            let (lines, line) = setting(key, to: "\"\(value)\"")
            expectOneProblem(parse(lines), key: key.name, line: line, mentioning: "is too long")
            #expect(parse(lines).first?.message.contains(" must be ") == true, "\(parse(lines).map(\.description))")
        }
    }

    @Test func testEachKeySaysWhatIsWrongAndItsRange() {
        let cases: [(Key, String, String)] = [
            (Key(table: "[schedule]", name: "interval"), "\"0s\"", "too short: interval must be between 1s and 24h"),
            (Key(table: "[schedule]", name: "interval"), "\"25h\"", "too long: interval must be between 1s and 24h"),
            (Key(table: "[schedule]", name: "drain_timeout"), "\"61m\"", "too long: drain_timeout must be at most 1h"),
            (Key(table: "[state]", name: "retain"), "\"23h\"", "too short: retain must be between 24h and 3660d"),
            (Key(table: "[state]", name: "retain"), "\"3661d\"", "too long: retain must be between 24h and 3660d"),
            (Key(table: "[channels.hook]", name: "timeout"), "\"0s\"", "too short: timeout must be between 1s and 24h"),
            (Key(table: "[channels.email]", name: "data_timeout"), "\"2d\"", "too long: data_timeout must be between 1s and 24h"),
            (Key(table: "name = \"ticket_follow_up\"", name: "repeat_every"), "\"59m\"", "too short: repeat_every must be between 1h and 366d"),
            (Key(table: "name = \"ticket_follow_up\"", name: "repeat_every"), "\"0s\"", "too short"),
            (Key(table: "name = \"birthday\"", name: "max_lateness"), "\"367d\"", "too long: max_lateness must be at most 366d"),
            (Key(table: "name = \"check_in\"", name: "after"), "\"3661d\"", "too long: after must be at most 3660d"),
            (Key(table: "[channels.spool]", name: "concurrency"), "257", "concurrency must be between 1 and 256"),
            (Key(table: "name = \"ticket_follow_up\"", name: "max_repeats"), "1000000000", "max_repeats must be between 0 and 100"),
            (Key(table: "name = \"ticket_follow_up\"", name: "max_repeats"), "-1", "max_repeats must be between 0 and 100"),
            (Key(table: "name = \"birthday\"", name: "priority"), "1001", "priority must be between -1000 and 1000"),
            (Key(table: "name = \"check_in\"", name: "min_amount"), "nan", "min_amount must be a finite number, 0 or more"),
            (Key(table: "name = \"we_miss_you\"", name: "min_spend"), "inf", "min_spend must be a finite number, 0 or more"),
            (Key(table: "[channels.spool]", name: "rate"), "\"0.000001/h\"", "too slow"),
        ]
        for (key, value, message) in cases {
            let (lines, line) = setting(key, to: value)
            expectOneProblem(parse(lines), key: key.name, line: line, mentioning: message)
        }
    }

    // MARK: Numbers

    @Test func testHostileWholeNumbersAreOneErrorOnTheirLine() {
        let cases: [(Key, [String])] = [
            (Key(table: "[channels.spool]", name: "concurrency"), ["0", "257", "-1", "9223372036854775807", "-9223372036854775808", "1.5", "\"4\"", "inf"]),
            (Key(table: "name = \"ticket_follow_up\"", name: "max_repeats"), ["-1", "101", "1000000000", "9223372036854775807", "-9223372036854775808", "1e3", "\"2\"", "nan"]),
            (Key(table: "name = \"birthday\"", name: "priority"), ["1001", "-1001", "9223372036854775807", "-9223372036854775808", "0.5", "true"]),
            (Key(table: "name = \"check_in\"", name: "min_amount"), ["inf", "-inf", "nan", "+nan", "-1", "-0.01", "\"50\"", "1e309"]),
            (Key(table: "name = \"we_miss_you\"", name: "min_spend"), ["inf", "-inf", "nan", "-1", "\"1000\""]),
        ]
        for (key, values) in cases {
            for value in values {
                let (lines, line) = setting(key, to: value)
                expectOneProblem(parse(lines), key: key.name, line: line)
            }
        }
    }

    @Test(arguments: ["99999999999999999999", "-99999999999999999999", "0xffffffffffffffffff", "1e400"])
    func testNumbersTOMLCannotHoldNameTheKeyAndLine(_ value: String) {
        let (lines, line) = setting(Key(table: "name = \"ticket_follow_up\"", name: "max_repeats"), to: value)
        expectOneProblem(parse(lines), key: "max_repeats", line: line)
    }

    @Test func testHostileRatesAreOneErrorOnTheirLine() {
        let key = Key(table: "[channels.spool]", name: "rate")
        for value in ["0.000001/h", "1/h", "59/h", "0/s", "-1/s", "inf/s", "nan/s", "1e400/s", "10001/s", "1e300/s", "1/d", "20", "/s", "20/", "a/s", "20/s/s"] {
            let (lines, line) = setting(key, to: "\"\(value)\"")
            expectOneProblem(parse(lines), key: "rate", line: line)
        }
    }

    @Test func testLargestAndSmallestAcceptedValuesLoad() throws {
        var lines = FullConfiguration.lines
        for (key, value) in [
            (Key(table: "[schedule]", name: "interval"), "\"24h\""), (Key(table: "[schedule]", name: "drain_timeout"), "\"1h\""),
            (Key(table: "[state]", name: "retain"), "\"3660d\""),
            (Key(table: "[schedule]", name: "max_per_customer"), "\"1000/366d\""),
            (Key(table: "[channels.spool]", name: "concurrency"), "256"), (Key(table: "[channels.spool]", name: "rate"), "\"1/m\""),
            (Key(table: "[channels.email]", name: "connect_timeout"), "\"1d\""), (Key(table: "[channels.email]", name: "data_timeout"), "\"86400s\""),
            (Key(table: "[channels.hook]", name: "timeout"), "\"24h\""),
            (Key(table: "name = \"birthday\"", name: "priority"), "-1000"), (Key(table: "name = \"birthday\"", name: "max_lateness"), "\"366d\""),
            (Key(table: "name = \"ticket_follow_up\"", name: "after"), "\"3660d\""), (Key(table: "name = \"ticket_follow_up\"", name: "repeat_every"), "\"366d\""),
            (Key(table: "name = \"ticket_follow_up\"", name: "max_repeats"), "100"),
            (Key(table: "name = \"check_in\"", name: "min_amount"), "1e300"), (Key(table: "name = \"we_miss_you\"", name: "min_spend"), "0"),
        ] {
            lines = setting(key, to: value, in: lines).lines
        }
        let (config, problems) = ConfigurationLoader.parse(lines.joined(separator: "\n"), file: configFile)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let c = try #require(config)
        #expect(c.schedule.interval == .hours(24))
        #expect(c.schedule.drainTimeout == .hours(1))
        #expect(c.retain == .days(3660))
        #expect(c.channels["spool"]?.ratePerSecond == 1.0 / 60)
        #expect(c.rules.first { $0.name == "ticket_follow_up" }?.kind as? UnresolvedTicketRule == UnresolvedTicketRule(after: .days(3660), repeatEvery: .days(366), maxRepeats: 100))
    }

    // MARK: Times of day, windows and caps

    @Test func testSendAtSaysWhatIsWrong() {
        let key = Key(table: "name = \"birthday\"", name: "send_at")
        for (value, message) in [("24:00", "hour 24 is not 00–23"), ("25:00", "hour 25 is not 00–23"), ("9:00", "two digits each (\"09:00\")"),
                                 ("09:60", "minute 60 is not 00–59"), ("09:99", "minute 99"), ("9am", "not a time of day HH:MM"),
                                 ("-1:00", "not a time of day"), ("+1:00", "not a time of day"), ("٠٩:٠٠", "not a time of day"),
                                 ("09:00:00", "not a time of day"), ("123:00", "two digits"), ("", "not a time of day")] {
            let (lines, line) = setting(key, to: "\"\(value)\"")
            expectOneProblem(parse(lines), key: "send_at", line: line, mentioning: message)
        }
    }

    @Test func testSendWindowSaysWhichEndIsWrong() {
        let key = Key(table: "[schedule]", name: "send_window")
        for (value, messages) in [("25:00-26:00", ["the start \"25:00\": hour 25 is not 00–23", "the end \"26:00\": hour 26 is not 00–23"]),
                                  ("09:00-24:00", ["the end \"24:00\": hour 24 is not 00–23"]),
                                  ("9:00-17:00", ["the start \"9:00\"", "two digits"]),
                                  ("09:00-17:60", ["the end \"17:60\": minute 60 is not 00–59"]),
                                  ("09:00-09:00", ["the same time"]),
                                  ("09:00", ["not HH:MM-HH:MM"]), ("09:00-20:00-21:00", ["not HH:MM-HH:MM"])] {
            let (lines, line) = setting(key, to: "\"\(value)\"")
            for message in messages { expectOneProblem(parse(lines), key: "send_window", line: line, mentioning: message) }
        }
    }

    @Test func testFrequencyCapSaysWhichPartIsWrong() {
        let key = Key(table: "[schedule]", name: "max_per_customer")
        for (value, message) in [("0/24h", "the count 0 must be between 1 and 1000"), ("1001/24h", "the count 1001 must be between 1 and 1000"),
                                 ("99999999999999999999/24h", "must be between 1 and 1000"),
                                 ("1/0s", "the period 0s is too short: it must be between 1m and 366d"), ("1/59s", "too short"),
                                 ("1/367d", "the period 367d is too long"), ("1/9999999999999999d", "too long"),
                                 ("1/day", "the period \"day\" is not a duration"), ("1/24", "not a duration"),
                                 ("x/24h", "not COUNT/DURATION"), ("-1/24h", "not COUNT/DURATION"), ("1/24h/2", "not COUNT/DURATION")] {
            let (lines, line) = setting(key, to: "\"\(value)\"")
            expectOneProblem(parse(lines), key: "max_per_customer", line: line, mentioning: message)
        }
    }

    // MARK: One bad value, one error

    @Test(arguments: ["kind = \"smpt\"", "kind = 5", "kind = \"SMTP\""])
    func testBadChannelKindIsTheOnlyErrorOfItsTable(_ kind: String) throws {
        var lines = FullConfiguration.lines
        let at = try #require(lines.firstIndex(of: "kind = \"maildir\""))
        lines[at] = kind
        // The rules that send through the broken channel do not add "no [channels.spool] table" either.
        expectOneProblem(parse(lines), key: "kind", line: at + 1)
    }

    @Test func testMissingChannelKindIsTheOnlyErrorOfItsTable() throws {
        var lines = FullConfiguration.lines
        let at = try #require(lines.firstIndex(of: "kind = \"http\""))
        lines.remove(at: at)
        expectOneProblem(parse(lines), key: "channels.hook.kind", line: at)
    }

    @Test(arguments: ["kind = \"unresolved_tickets\"", "kind = 3", ""])
    func testUnknownOrMissingRuleKindIsTheOnlyErrorOfItsRule(_ kind: String) throws {
        var lines = FullConfiguration.lines
        let at = try #require(lines.firstIndex(of: "kind = \"unresolved_ticket\""))
        lines[at] = kind
        let problems = parse(lines)
        #expect(problems.count == 1, "\(problems.map(\.description))")
        #expect(problems.first?.message.contains("kind") == true, "\(problems.map(\.description))")
    }

    @Test func testMissingAfterDoesNotMakeTheOtherKeysUnknown() throws {
        var lines = FullConfiguration.lines
        lines.remove(at: try #require(lines.firstIndex(of: "after = \"14d\"")))   // check_in keeps min_amount and skip_if_open_ticket
        let problems = parse(lines)
        #expect(problems.count == 1, "\(problems.map(\.description))")
        #expect(problems.first?.message.contains("missing key \"rules[3].after\"") == true, "\(problems.map(\.description))")
    }

    @Test func testBadRepeatEveryDoesNotAlsoBlameMaxRepeats() {
        let (lines, line) = setting(Key(table: "name = \"ticket_follow_up\"", name: "repeat_every"), to: "\"every day\"")
        expectOneProblem(parse(lines), key: "repeat_every", line: line)
    }

    @Test func testBadMinSpendDoesNotAlsoSayTierOrMinSpendIsMissing() {
        let withoutTier = FullConfiguration.lines.filter { $0 != "tier = \"gold\"" }
        let (lines, line) = setting(Key(table: "name = \"we_miss_you\"", name: "min_spend"), to: "nan", in: withoutTier)
        expectOneProblem(parse(lines), key: "min_spend", line: line)
    }

    // MARK: Parsing primitives

    @Test func testTimeSpanParsingNeverOverflows() {
        #expect(TimeSpan.parse("36500d") == .success(.days(36_500)))
        #expect(TimeSpan.parse("3153600000s") == .success(.days(36_500)))
        for tooLong in ["36501d", "3153600001s", "876001h", "52560001m", "9223372036854775807s", "9223372036854775807d", "106751991167301d",
                        String(repeating: "9", count: 400) + "s"] {
            #expect(TimeSpan.parse(tooLong) == .failure(.tooLong), "\(tooLong)")
            #expect(TimeSpan(parsing: tooLong) == nil, "\(tooLong)")
        }
        for bad in ["", "d", "14", "1.5h", "-3d", "14 d", "2w", "+5s", "١٢s", "0x10s"] {
            #expect(TimeSpan.parse(bad) == .failure(.notADuration), "\(bad)")
        }
    }
}
