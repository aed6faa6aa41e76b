import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The configuration as an operator writes it: every problem reported at once, each with its line.
@Suite struct ConfigurationLoaderTests {
    let folder: TemporaryFolder
    let configFile: String

    init() throws {
        (folder, configFile) = try Self.folderWithShippedTemplates()
    }

    /// A fresh folder holding the shipped templates, and the config file path in it (not written).
    static func folderWithShippedTemplates() throws -> (TemporaryFolder, String) {
        let folder = TemporaryFolder()
        try FileManager.default.copyItem(atPath: packageRoot + "/templates", toPath: folder.file("templates"))
        return (folder, folder.file("outreachd.toml"))
    }

    static let packageRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// A valid configuration, one line per element, so tests compute line numbers instead of counting.
    static let valid: [String] = [
        "[store]",
        "url = \"sqlite:customers.db\"",
        "[state]",
        "url = \"sqlite:state.db\"",
        "[schedule]",
        "timezone = \"Europe/Budapest\"",
        "[channels.email]",
        "kind = \"smtp\"",
        "url = \"smtp://127.0.0.1:2525\"",
        "tls = \"none\"",
        "from = \"Care <care@example.com>\"",
        "[[rules]]",
        "name = \"birthday\"",
        "kind = \"birthday\"",
        "channel = \"email\"",
        "template = \"birthday\"",
        "send_at = \"09:00\"",
    ]

    func parse(_ lines: [String], separator: String = "\n") -> (Configuration?, [Diagnostic]) {
        ConfigurationLoader.parse(lines.joined(separator: separator), file: configFile)
    }

    /// The 1-based line of the first element that starts with `prefix` (after a given line, for repeated keys).
    func line(_ prefix: String, in lines: [String], after: Int = 0) -> Int {
        for (i, l) in lines.enumerated() where i + 1 > after && l.hasPrefix(prefix) { return i + 1 }
        Issue.record("test bug: no line starts with \(prefix)")
        return -1
    }

    /// The diagnostics whose message mentions `text`.
    func diagnostics(_ all: [Diagnostic], mentioning text: String) -> [Diagnostic] {
        all.filter { $0.message.contains(text) }
    }

    /// Asserts exactly one diagnostic mentions `text`, on `line`, printed as `FILE:LINE: message`.
    func expectOne(_ all: [Diagnostic], mentioning text: String, onLine line: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let found = diagnostics(all, mentioning: text)
        #expect(found.count == 1, "expected one diagnostic mentioning \(text), got \(all.map(\.description))", sourceLocation: sourceLocation)
        guard let d = found.first else { return }
        #expect(d.line == line, "\(d.description)", sourceLocation: sourceLocation)
        #expect(d.description.hasPrefix("\(configFile):\(line): "), "\(d.description)", sourceLocation: sourceLocation)
    }

    // MARK: Valid files

    @Test func testMinimalValidConfigurationHasNoDiagnostics() throws {
        let (config, problems) = parse(Self.valid)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let c = try #require(config)
        #expect(c.rules.map(\.name) == ["birthday"])
        #expect(c.rules.first?.sendAt == TimeOfDay(hour: 9, minute: 0))
        #expect(c.schedule.timezone.identifier == "Europe/Budapest")
        #expect(c.channels["email"]?.tls == ChannelConfiguration.TLSPolicy.none)
    }

    @Test func testShippedExampleParses() throws {
        let text = try String(contentsOfFile: Self.packageRoot + "/examples/outreachd.toml", encoding: .utf8)
        let (config, problems) = ConfigurationLoader.parse(text, file: configFile)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let c = try #require(config)
        #expect(c.store == .sqlite(folder.file("customers.db")))
        #expect(c.state == .sqlite("/var/lib/outreachd/state.db"))
        #expect(c.schedule.interval == TimeSpan(seconds: 60))
        #expect(c.schedule.timezone.identifier == "Europe/Budapest")
        #expect(c.schedule.sendWindow == SendWindow(parsing: "09:00-20:00"))
        #expect(c.schedule.maxPerCustomer == FrequencyCap(parsing: "1/24h"))
        #expect(c.company["name"] == "Example Kft.")
        #expect(c.templates.path == folder.file("templates"))
        #expect(Set(c.channels.keys) == ["email", "sms", "spool"])
        #expect(c.channels["email"]?.kind == .smtp)
        #expect(c.channels["email"]?.tls == .required)
        #expect(c.channels["email"]?.ratePerSecond == 20)
        #expect(c.channels["sms"]?.kind == .http)
        #expect(c.channels["sms"]?.address == .phone)
        #expect(c.channels["spool"]?.path == folder.file("Maildir"))
        #expect(c.rules.map(\.name) == ["birthday", "ticket_follow_up", "satisfaction", "check_in", "we_miss_you"])
        #expect(c.rules.map(\.kind.name) == ["birthday", "unresolved_ticket", "satisfaction_survey", "post_purchase", "inactive"])
        let checkIn = try #require(c.rules.first { $0.name == "check_in" })
        #expect(checkIn.kind as? PostPurchaseRule == PostPurchaseRule(after: .days(14), minAmount: 50, skipIfOpenTicket: true))
        #expect(checkIn.maxLateness == .days(7))
        let followUp = try #require(c.rules.first { $0.name == "ticket_follow_up" })
        #expect(followUp.kind as? UnresolvedTicketRule == UnresolvedTicketRule(after: .hours(48), repeatEvery: .hours(72), maxRepeats: 2))
        let inactive = try #require(c.rules.first { $0.name == "we_miss_you" })
        #expect(inactive.maxLateness == .days(14))
        #expect(c.rules.first?.maxLateness == .days(1))
    }

    @Test func testExampleFromDiskThroughRead() throws {
        // `read(file:)` is what `check` uses: same result as parsing the text.
        let text = try String(contentsOfFile: Self.packageRoot + "/examples/outreachd.toml", encoding: .utf8)
        try text.write(toFile: configFile, atomically: true, encoding: .utf8)
        let (config, problems) = ConfigurationLoader.read(file: configFile)
        #expect(config != nil)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
    }

    @Test func testMissingFileIsOneDiagnosticNamingIt() {
        let (config, problems) = ConfigurationLoader.read(file: folder.file("nope.toml"))
        #expect(config == nil)
        #expect(problems.count == 1)
        #expect(problems.first?.file == folder.file("nope.toml"))
        #expect(problems.first?.message.contains("no such file") == true)
    }

    // MARK: Unknown keys

    @Test func testUnknownKeysEverywhereAreReportedWithTheirLines() {
        var lines = ["colour = \"blue\""] + Self.valid
        lines.insert("intervall = \"60s\"", at: line("timezone", in: lines))            // in [schedule]
        lines.insert("usernme = \"care\"", at: line("from =", in: lines))                // in [channels.email]
        lines.append("sendat = \"09:00\"")                                                 // in rules[0]
        lines += ["", "[[rules]]", "name = \"survey\"", "kind = \"satisfaction_survey\"", "channel = \"email\"",
                  "template = \"satisfaction_survey\"", "after = \"3d\"", "priorty = 5"]   // in rules[1]
        lines += ["", "[templates]", "path = \"templates\"", "unsubscribe = \"https://example.com/u\""]
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "\"colour\"", onLine: 1)
        expectOne(problems, mentioning: "schedule.intervall", onLine: line("intervall", in: lines))
        expectOne(problems, mentioning: "channels.email.usernme", onLine: line("usernme", in: lines))
        expectOne(problems, mentioning: "sendat", onLine: line("sendat", in: lines))
        expectOne(problems, mentioning: "priorty", onLine: line("priorty", in: lines))
        expectOne(problems, mentioning: "templates.unsubscribe\"", onLine: line("unsubscribe =", in: lines))
        #expect(problems.allSatisfy { $0.message.contains("unknown key") }, "\(problems.map(\.description))")
        #expect(problems.count == 6, "\(problems.map(\.description))")
    }

    @Test func testUnknownTopLevelTableIsReportedOnItsHeaderLine() {
        let lines = Self.valid + ["[delivery]", "retries = 3"]
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "\"delivery\"", onLine: line("[delivery]", in: lines))
    }

    @Test func testLinesAreRightAfterAMultilineString() {
        // [company] keys are free template variables; an unknown key goes in [templates] after it.
        let lines = Self.valid + ["[company]", "name = \"\"\"Example", "[not a table]", "colour = 1", "Kft.\"\"\"",
                                  "[templates]", "colour = \"blue\""]
        let (config, problems) = parse(lines)
        #expect(config?.company["name"] == "Example\n[not a table]\ncolour = 1\nKft.")
        expectOne(problems, mentioning: "templates.colour", onLine: line("colour = \"blue\"", in: lines))
        #expect(problems.count == 1, "\(problems.map(\.description))")
    }

    @Test func testLinesAreRightInAFileWithCRLFLineEndings() {
        // Files edited on Windows: TOML allows CRLF, and the line numbers must still be right.
        var lines = Self.valid
        lines.insert("intervall = \"60s\"", at: line("timezone", in: lines))
        lines.append("sendat = \"09:00\"")
        let (config, problems) = parse(lines, separator: "\r\n")
        #expect(config != nil)
        expectOne(problems, mentioning: "schedule.intervall", onLine: line("intervall", in: lines))
        expectOne(problems, mentioning: "sendat", onLine: line("sendat", in: lines))
    }

    // MARK: Bad values

    @Test func testEveryBadValueIsReportedInOneParseWithItsLine() {
        let lines = [
            "[store]",
            "url = \"sqlite:customers.db\"",
            "[state]",
            "url = \"sqlite:state.db\"",
            "[schedule]",
            "interval = \"60\"",
            "timezone = \"Europe/Budapset\"",
            "send_window = \"9-17\"",
            "max_per_customer = \"1/day\"",
            "[channels.email]",
            "kind = \"smtp\"",
            "url = \"smtp://mail.example.com:587\"",
            "tls = \"none\"",
            "from = \"Care <care@example.com>\"",
            "[[rules]]",
            "name = \"birthday\"",
            "kind = \"birthday\"",
            "channel = \"sms\"",
            "template = \"birthday\"",
            "[[rules]]",
            "name = \"greeting\"",
            "kind = \"birthday\"",
            "channel = \"email\"",
            "template = \"greeting\"",
            "[[rules]]",
            "name = \"anniversary\"",
            "kind = \"anniversary\"",
            "channel = \"email\"",
            "template = \"birthday\"",
            "[[rules]]",
            "name = \"check_in\"",
            "kind = \"post_purchase\"",
            "channel = \"email\"",
            "template = \"post_purchase\"",
            "after = \"2w\"",
            "send_at = \"9am\"",
            "max_lateness = \"1 day\"",
        ]
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "\"60\" is not a duration", onLine: line("interval", in: lines))
        expectOne(problems, mentioning: "Europe/Budapset", onLine: line("timezone", in: lines))
        expectOne(problems, mentioning: "send_window", onLine: line("send_window", in: lines))
        expectOne(problems, mentioning: "max_per_customer", onLine: line("max_per_customer", in: lines))
        expectOne(problems, mentioning: "loopback", onLine: line("tls", in: lines))
        expectOne(problems, mentioning: "channel \"sms\"", onLine: line("channel = \"sms\"", in: lines))
        expectOne(problems, mentioning: "template \"greeting\"", onLine: line("template = \"greeting\"", in: lines))
        expectOne(problems, mentioning: "unknown rule kind \"anniversary\"", onLine: line("kind = \"anniversary\"", in: lines))
        expectOne(problems, mentioning: "\"2w\" is not a duration", onLine: line("after", in: lines))
        expectOne(problems, mentioning: "\"9am\"", onLine: line("send_at", in: lines))
        expectOne(problems, mentioning: "\"1 day\" is not a duration", onLine: line("max_lateness", in: lines))
        #expect(problems.count == 11, "\(problems.map(\.description))")
    }

    @Test(arguments: ["0/24h", "1/0h", "x/24h", "1/24", "1/24h/2", "-1/24h"])
    func testBadFrequencyCaps(_ cap: String) {
        var lines = Self.valid
        lines.insert("max_per_customer = \"\(cap)\"", at: line("timezone", in: lines))
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "max_per_customer", onLine: line("max_per_customer", in: lines))
    }

    @Test(arguments: ["09:00-09:00", "9-17", "09:00", "25:00-26:00", "09:00-20:00-21:00", "09.00-20.00"])
    func testBadSendWindows(_ window: String) {
        var lines = Self.valid
        lines.insert("send_window = \"\(window)\"", at: line("timezone", in: lines))
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "send_window", onLine: line("send_window", in: lines))
    }

    @Test(arguments: ["30", "1.5h", "-3d", "14 d", "2w", "", "h"])
    func testBadDurations(_ duration: String) {
        var lines = Self.valid
        lines.insert("interval = \"\(duration)\"", at: line("timezone", in: lines))
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "not a duration", onLine: line("interval", in: lines))
    }

    @Test func testDurationThatIsNotAStringIsReportedOnItsLine() {
        var lines = Self.valid
        lines.insert("interval = 60", at: line("timezone", in: lines))
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "schedule.interval must be a string", onLine: line("interval", in: lines))
    }

    @Test(arguments: ["smtp://127.0.0.1:25", "smtp://localhost:2525", "smtp://[::1]:25", "smtp://care@127.0.0.2"])
    func testTLSNoneIsAllowedOnLoopback(_ url: String) {
        var lines = Self.valid
        lines[line("url = \"smtp", in: lines) - 1] = "url = \"\(url)\""
        let (_, problems) = parse(lines)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
    }

    @Test(arguments: ["smtp://mail.example.com:587", "smtp://10.0.0.1:25", "smtp://127.0.0.1.mail.example.com:25",
                      "smtp://localhost.example.com:25", "smtp://[::2]:25", "smtps://mail.example.com"])
    func testTLSNoneIsRefusedForAnyOtherHost(_ url: String) {
        var lines = Self.valid
        lines[line("url = \"smtp", in: lines) - 1] = "url = \"\(url)\""
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "loopback", onLine: line("tls", in: lines))
    }

    @Test func testMissingRequiredTablesAndKeys() {
        let lines = ["[store]", "[schedule]", "timezone = \"UTC\""]
        let (config, problems) = parse(lines)
        #expect(config == nil)
        expectOne(problems, mentioning: "missing key \"store.url\"", onLine: 1)
        #expect(diagnostics(problems, mentioning: "\"state\"").count == 1, "\(problems.map(\.description))")
    }

    @Test func testDuplicateRuleNamesAreReported() {
        let lines = Self.valid + ["[[rules]]", "name = \"birthday\"", "kind = \"birthday\"", "channel = \"email\"", "template = \"birthday\""]
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "must be unique", onLine: line("name = \"birthday\"", in: lines, after: 13))
    }

    @Test func testTemplateMustBeABareName() {
        var lines = Self.valid
        lines[line("template", in: lines) - 1] = "template = \"../etc/passwd\""
        let (_, problems) = parse(lines)
        expectOne(problems, mentioning: "bare name", onLine: line("template", in: lines))
    }

    // MARK: TOML syntax

    @Test func testTOMLSyntaxErrorReportsItsLine() throws {
        var lines = Self.valid
        let at = line("timezone", in: lines)
        lines.insert("interval = \"60s", at: at)   // unterminated string, on line `at + 1`
        let (config, problems) = parse(lines)
        #expect(config == nil)
        let d = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(d.line == at + 1, "\(d.description)")
        #expect(d.description.hasPrefix("\(configFile):\(at + 1): "))
    }

    @Test func testTOMLDuplicateKeyReportsALine() throws {
        var lines = Self.valid
        let at = line("timezone", in: lines)
        lines.insert("timezone = \"UTC\"", at: at)
        let (config, problems) = parse(lines)
        #expect(config == nil)
        let d = try #require(problems.first)
        #expect(d.line == at + 1 || d.line == at, "\(d.description)")
    }

    // MARK: Paths

    @Test func testRelativePathsResolveAgainstTheConfigFolder() throws {
        try FileManager.default.createDirectory(atPath: folder.file("etc/tpl"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: folder.file("templates/birthday.txt"), toPath: folder.file("etc/tpl/birthday.txt"))
        let file = folder.file("etc/outreachd.toml")
        let text = [
            "[store]", "url = \"sqlite:data/customers.db\"",
            "[state]", "url = \"sqlite:///var/lib/outreachd/state.db\"",
            "[templates]", "path = \"tpl\"",
            "[channels.email]", "kind = \"smtp\"", "url = \"smtp://127.0.0.1:25\"", "tls = \"none\"", "from = \"a@b.c\"",
            "password_file = \"secrets/smtp\"", "ca_file = \"/etc/ssl/ca.pem\"",
            "[channels.spool]", "kind = \"maildir\"", "path = \"spool/Maildir\"",
            "[channels.hook]", "kind = \"http\"", "url = \"https://example.com/hook\"", "secret_file = \"hook.key\"",
            "[[rules]]", "name = \"birthday\"", "kind = \"birthday\"", "channel = \"spool\"", "template = \"birthday\"",
        ].joined(separator: "\n")
        let (config, problems) = ConfigurationLoader.parse(text, file: file)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let c = try #require(config)
        #expect(c.folder == folder.file("etc"))
        #expect(c.store == .sqlite(folder.file("etc/data/customers.db")))
        #expect(c.state == .sqlite("/var/lib/outreachd/state.db"))
        #expect(c.templates.path == folder.file("etc/tpl"))
        #expect(c.channels["email"]?.passwordFile == folder.file("etc/secrets/smtp"))
        #expect(c.channels["email"]?.caFile == "/etc/ssl/ca.pem")
        #expect(c.channels["spool"]?.path == folder.file("etc/spool/Maildir"))
        #expect(c.channels["hook"]?.secretFile == folder.file("etc/hook.key"))
    }

    @Test func testRelativeConfigPathIsMadeAbsolute() throws {
        try (Self.valid.joined(separator: "\n")).write(toFile: configFile, atomically: true, encoding: .utf8)
        let previous = FileManager.default.currentDirectoryPath
        // Compute the relative path without changing the process's working directory (tests run in parallel).
        let relative = Self.relativePath(from: previous, to: configFile)
        let (config, problems) = ConfigurationLoader.read(file: relative)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        #expect(config?.file.hasPrefix("/") == true)
        #expect(config?.store.location.hasPrefix("/") == true)
        #expect(config.map { URL(fileURLWithPath: $0.store.location).standardized.path } == URL(fileURLWithPath: folder.file("customers.db")).standardized.path)
    }

    static func relativePath(from base: String, to target: String) -> String {
        let b = URL(fileURLWithPath: base).standardized.pathComponents
        let t = URL(fileURLWithPath: target).standardized.pathComponents
        var i = 0
        while i < min(b.count, t.count), b[i] == t[i] { i += 1 }
        return (Array(repeating: "..", count: b.count - i) + t[i...]).joined(separator: "/")
    }
}
