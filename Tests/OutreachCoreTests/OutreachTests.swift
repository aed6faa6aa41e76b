import Foundation
import OutreachTestSupport
import GRDB
import Testing
@testable import OutreachCore

/// End to end on real files: the demo folder `init --demo` writes, opened as the commands open it.
@Suite struct OutreachTests {
    let folder = TemporaryFolder()

    static let shippedTemplates: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("templates").path

    static let kinds = ["birthday", "post_purchase", "unresolved_ticket", "satisfaction_survey", "inactive"]

    /// Instants spread over a day: every 3 hours on the day Europe switches to summer time (and at the
    /// switch itself), and on an ordinary November day.
    static let instants: [String] = (0..<8).map { String(format: "2026-03-29T%02d:00:00Z", $0 * 3) } + ["2026-03-29T01:30:00Z"]
        + (0..<8).map { String(format: "2026-11-23T%02d:00:00Z", $0 * 3) }

    func demo(at now: Date) throws -> String {
        try DemoSeed.write(folder: folder.file("demo"), now: now, templatesFrom: Self.shippedTemplates)
    }

    func insertLedgerRow(_ config: String, key: String, rule: String, customerID: String, state: String, queuedAt: Date) throws {
        let ledger = try SQLiteLedger(path: Paths.resolve("state.db", relativeTo: Paths.folder(of: config)), access: .create)
        let item = OutboxItem(key: key, rule: rule, customerID: customerID, channel: "spool", recipient: "someone@example.com", recipientName: nil,
                              subject: "s", body: "b", locale: "en", customerJSON: "{}", state: try #require(LedgerState(rawValue: state)),
                              dueAt: queuedAt, deadline: queuedAt.addingTimeInterval(86_400), queuedAt: queuedAt, attempts: 1)
        #expect(try ledger.enqueue([item], cap: nil, now: queuedAt).inserted == 1)
    }

    @Test(arguments: instants)
    func testDemoHasEveryRuleKindDueAndEveryDueMessageRenders(_ instant: String) throws {
        let now = at(instant)
        let config = try demo(at: now)
        let outreach = try Outreach.open(configFile: config)
        let plan = try outreach.plan(at: now)
        let due = plan.due
        let kinds = Set(due.map(\.occurrence.rule.kind.name))
        for kind in Self.kinds {
            #expect(kinds.contains(kind), "\(instant): no \(kind) due; due: \(due.map(\.occurrence.key))")
        }
        #expect(Set(due.map(\.occurrence.key)).count == due.count, "\(instant): a key is due twice")
        for entry in due {
            #expect(entry.occurrence.due <= now, "\(entry.occurrence.key)")
            #expect(entry.occurrence.deadline >= now, "\(entry.occurrence.key)")
            #expect(entry.recipient?.contains("@") == true, "\(entry.occurrence.key)")
            #expect(!entry.occurrence.customer.optedOut, "\(entry.occurrence.key)")
            do {
                let message = try outreach.render(entry)
                #expect(message.subject.map { !$0.isEmpty } == true, "\(entry.occurrence.key)")
                #expect(!message.body.isEmpty)
                #expect(!message.body.contains("{{") && !(message.subject ?? "").contains("{{"), "\(entry.occurrence.key)")
                #expect(message.body.contains("Example Kft."), "\(entry.occurrence.key): the footer is missing")
                let first = LocaleTag.firstName(of: entry.occurrence.customer.name, locale: entry.occurrence.customer.locale ?? "en")
                #expect(message.body.contains(first), "\(entry.occurrence.key): no greeting by first name")
            } catch {
                Issue.record("\(instant): \(entry.occurrence.key) does not render: \(error)")
            }
        }
        // The cap allows one message per customer per day: never two due at once.
        let customers = due.map(\.occurrence.customer.id)
        #expect(Set(customers).count == customers.count, "\(instant): \(due.map(\.occurrence.key))")
        // Opted-out customers get nothing, and their birthday shows why.
        #expect(plan.entries.contains { $0.outcome == .blocked(.optedOut) }, "\(instant)")
    }

    @Test func testLanguagesOfTheDemoRenderInTheirOwnTemplates() throws {
        let now = at("2026-11-23T10:00:00Z")
        let outreach = try Outreach.open(configFile: try demo(at: now))
        let due = try outreach.plan(at: now).due
        var seen: Set<String> = []
        for entry in due {
            let message = try outreach.render(entry)
            let locale = entry.occurrence.customer.locale ?? "en"
            let file = URL(fileURLWithPath: message.template).lastPathComponent
            switch locale {
            case "hu": #expect(file.hasSuffix(".hu.txt"), "\(entry.occurrence.key)")
            case "sv-SE": #expect(file.hasSuffix(".sv.txt"), "\(entry.occurrence.key)")
            case "th": #expect(file.hasSuffix(".th.txt"), "\(entry.occurrence.key)")
            default: #expect(!file.dropLast(4).contains("."), "\(entry.occurrence.key)")
            }
            seen.insert(locale)
        }
        #expect(seen == ["hu", "sv-SE", "th", "en"])
    }

    @Test func testSentLedgerRowMakesTheKeyRecorded() throws {
        let now = at("2026-11-23T10:00:00Z")
        let config = try demo(at: now)
        let before = try Outreach.open(configFile: config).plan(at: now)
        let target = try #require(before.due.first { $0.occurrence.rule.kind.name == "satisfaction_survey" })
        let key = target.occurrence.key
        try insertLedgerRow(config, key: key, rule: target.occurrence.rule.name, customerID: target.occurrence.customer.id,
                            state: "sent", queuedAt: now.addingTimeInterval(-600))

        let after = try Outreach.open(configFile: config).plan(at: now)
        #expect(!after.due.contains { $0.occurrence.key == key })
        let entry = try #require(after.entries.first { $0.occurrence.key == key })
        guard case .recorded(let record) = entry.outcome else {
            Issue.record("\(key) is \(entry.outcome), expected recorded")
            return
        }
        #expect(record.state == .sent)
        #expect(record.key == key)
        // Everything else that was due still is.
        #expect(Set(after.due.map(\.occurrence.key)) == Set(before.due.map(\.occurrence.key)).subtracting([key]))
    }

    @Test func testSentMessageCountsTowardsTheCapButAFailedOneDoesNot() throws {
        let now = at("2026-11-23T10:00:00Z")
        let config = try demo(at: now)
        // C002 (Hungarian) has a birthday and a check-in due today; the birthday wins the 1/24h cap.
        let before = try Outreach.open(configFile: config).plan(at: now, customerID: "C002")
        let birthday = try #require(before.entries.first { $0.occurrence.rule.name == "birthday" && $0.outcome == .due })
        let checkIn = try #require(before.entries.first { $0.occurrence.rule.name == "check_in" })
        #expect(checkIn.outcome != .due)

        try insertLedgerRow(config, key: birthday.occurrence.key, rule: "birthday", customerID: "C002", state: "sent", queuedAt: now.addingTimeInterval(-3600))
        let afterSent = try Outreach.open(configFile: config).plan(at: now, customerID: "C002")
        let waiting = try #require(afterSent.entries.first { $0.occurrence.key == checkIn.occurrence.key })
        guard case .waiting(let until, let reasons) = waiting.outcome else {
            Issue.record("check-in is \(waiting.outcome), expected to wait for the cap")
            return
        }
        #expect(until >= now.addingTimeInterval(23 * 3600))
        #expect(reasons.contains { if case .frequencyCap = $0 { return true } else { return false } })

        let state = Paths.resolve("state.db", relativeTo: Paths.folder(of: config))
        try DatabaseQueue(path: state).write { db in try db.execute(sql: "UPDATE outbox SET state = 'failed'") }
        let afterFailed = try Outreach.open(configFile: config).plan(at: now, customerID: "C002")
        #expect(afterFailed.due.map(\.occurrence.key) == [checkIn.occurrence.key])
        #expect(afterFailed.entries.first { $0.occurrence.key == birthday.occurrence.key }.map {
            if case .recorded(let r) = $0.outcome { return r.state == .failed } else { return false }
        } == true)
    }

    @Test func testFiltersNarrowThePlan() throws {
        let now = at("2026-11-23T10:00:00Z")
        let outreach = try Outreach.open(configFile: try demo(at: now))
        let all = try outreach.plan(at: now).due
        // Narrowing to one rule shows that rule's part of the full decision: the cap still weighs the other rules.
        for rule in outreach.configuration.rules.map(\.name) {
            let narrowed = try outreach.plan(at: now, ruleName: rule).due
            #expect(!narrowed.isEmpty, "\(rule)")
            #expect(narrowed.allSatisfy { $0.occurrence.rule.name == rule })
            let expected = Set(all.filter { $0.occurrence.rule.name == rule }.map(\.occurrence.key))
            let shown = Set(narrowed.map(\.occurrence.key))
            #expect(shown == expected, "rule \(rule): due alone \(shown.subtracting(expected).sorted()), not due in the full plan")
        }
        let one = try #require(all.first?.occurrence.customer.id)
        let mine = try outreach.plan(at: now, customerID: one).due
        #expect(!mine.isEmpty)
        #expect(mine.allSatisfy { $0.occurrence.customer.id == one })
    }

    @Test func testBrokenDemoRowsAreSkippedWithAReasonNotFatal() throws {
        let now = at("2026-11-23T10:00:00Z")
        let outreach = try Outreach.open(configFile: try demo(at: now))
        // C012 has the time zone "Europe/Budapset": skipped with the reason, the tick goes on.
        let plan = try outreach.plan(at: now, lookback: .days(1), horizon: .days(400), customerID: "C012")
        #expect(plan.skipped.contains { $0.customerID == "C012" && $0.reason.contains("Europe/Budapset") }, "\(plan.skipped)")
        // C024 (no e-mail address) is blocked for the e-mail channel, not sent to nobody.
        let noMail = try outreach.plan(at: now, lookback: .days(1), horizon: .days(400), customerID: "C024")
        #expect(!noMail.due.contains { $0.recipient == nil })
        #expect(noMail.entries.contains { $0.outcome == .blocked(.noAddress(.email, channel: "spool")) }, "\(noMail.entries.map(\.outcome))")
    }

    @Test func testCheckerFindsNothingWrongWithTheDemo() throws {
        let config = try demo(at: at("2026-11-23T10:00:00Z"))
        let problems = Checker.check(configFile: config)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
    }

    @Test func testCheckerReportsABrokenTemplateWithItsLine() throws {
        let config = try demo(at: at("2026-11-23T10:00:00Z"))
        let file = Paths.resolve("templates/birthday.sv.txt", relativeTo: Paths.folder(of: config))
        try "Subject: Grattis {{customer.first_name}}\n\nHej!\nDitt köp: {{purchase.item}}\n".write(toFile: file, atomically: true, encoding: .utf8)
        let problems = Checker.check(configFile: config)
        #expect(problems.count == 1, "\(problems.map(\.description))")
        #expect(problems.first?.description.hasPrefix("\(file):4: ") == true, "\(problems.map(\.description))")
        #expect(throws: DiagnosticError.self) { try Outreach.open(configFile: config) }
    }

    @Test func testOpeningWithoutAStateDatabaseCreatesNone() throws {
        let now = at("2026-11-23T10:00:00Z")
        let config = try demo(at: now)
        let demoFolder = Paths.folder(of: config)
        for name in ["state.db", "state.db-wal", "state.db-shm"] {
            try? FileManager.default.removeItem(atPath: Paths.resolve(name, relativeTo: demoFolder))
        }
        let before = try FileManager.default.contentsOfDirectory(atPath: demoFolder).sorted()
        let outreach = try Outreach.open(configFile: config)
        let plan = try outreach.plan(at: now)
        #expect(!plan.due.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: demoFolder).sorted() == before)
    }

    @Test func testDemoRefusesToOverwriteAFolderThatIsNotADemo() throws {
        folder.write("mine/important.txt", "keep me")
        #expect(throws: (any Error).self) {
            try DemoSeed.write(folder: folder.file("mine"), now: at("2026-11-23T10:00:00Z"), templatesFrom: Self.shippedTemplates)
        }
        #expect(FileManager.default.fileExists(atPath: folder.file("mine/important.txt")))
    }
}
