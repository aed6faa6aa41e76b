import Foundation
import GRDB
import OutreachTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `outreachd run` as systemd runs it: the built binary as a long-lived child, a notify socket the
/// test owns, real signals, a real SMTP server on loopback, and the ledger inspected afterwards.
///
/// Every demo is seeded for the real current time (the daemon reads the clock) with a 1 s tick.
/// Every wait is bounded; every child and server is stopped by its test (and by deinit if a
/// `#require` ends the test early).
@Suite struct DaemonTests {
    /// Upper bound for start-up and for the first tick of a debug build on a busy machine.
    static let startup: TimeInterval = 10

    // MARK: sd_notify, watchdog, STATUS, delivery

    @Test func testReadyWatchdogAndStatusOnAPathSocketAndMessagesLandInTheMaildir() throws {
        let d = try DaemonDemo()
        let due = try d.dueCount()
        #expect(due > 0)
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify, environment: ["WATCHDOG_USEC": "1000000"])
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "no READY=1\n\(daemon.stderr)")
        // STATUS= after the first tick carries its figures.
        let first = notify.waitFor(timeout: Self.startup) { Self.status($0)?.hasPrefix("last tick") == true }
        let status = try #require(first.flatMap(Self.status), "no STATUS=last tick …\n\(notify.history)\n\(daemon.stderr)")
        #expect(status.contains("due \(due)"), "\(status)")
        #expect(status.contains("sent \(due)"), "\(status)")
        // WATCHDOG_USEC=1 s: pings at least every half period; STATUS= again after every tick.
        let window = notify.collect(for: 3)
        let pings = window.filter { NotifySocket.lines($0).contains("WATCHDOG=1") }.count
        let updates = window.compactMap(Self.status).filter { $0.hasPrefix("last tick") && $0.contains("due") && $0.contains("sent") }
        #expect(pings >= 3, "\(pings) WATCHDOG=1 in 3 s: \(window)")
        #expect(updates.count >= 2, "\(updates.count) STATUS= updates in 3 s: \(window)")
        #expect(d.maildirNew().count == due, "Maildir/new: \(d.maildirNew())")
        #expect(daemon.isRunning)

        daemon.signal(SIGTERM)
        #expect(notify.waitFor(line: "STOPPING=1", timeout: 5) != nil)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
        #expect(try d.totals()["sent"] == due)
    }

    @Test func testReadyOnAnAbstractSocketAndNoWatchdogPingsForAnotherPid() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket()
        #expect(notify.address.hasPrefix("@"))
        // WATCHDOG_PID names another process: the watchdog is not this one's (sd_watchdog_enabled).
        let daemon = try d.start(notify: notify, environment: ["WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"])
        let ready = notify.waitFor(line: "READY=1", timeout: Self.startup)
        try #require(ready != nil, "no READY=1 on \(notify.address)\n\(daemon.stderr)")
        #expect(notify.waitFor(timeout: Self.startup) { Self.status($0)?.hasPrefix("last tick") == true } != nil, "\(notify.history)")
        let window = notify.collect(for: 1.5)
        #expect(!notify.history.contains { NotifySocket.lines($0).contains("WATCHDOG=1") }, "\(window)")
        daemon.signal(SIGTERM)
        #expect(notify.waitFor(line: "STOPPING=1", timeout: 5) != nil)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
    }

    // MARK: The tick's log line and the warm tick

    /// The tick line's fields are what operators and `make bench` read (`due=`, `duration=` in
    /// seconds); `evaluated=` says whether the tick planned only what is new since the last one.
    @Test func testTickLinesCarryDueAndDurationAndALaterTickPlansOnlyWhatIsNewUntilTheStoreChanges() throws {
        let d = try DaemonDemo()
        let daemon = try d.start()
        let tick = /info tick .*/
        func ticks() -> [String] { daemon.stderrLines.filter { $0.contains(tick) } }
        func field(_ name: String, _ line: String) -> String? {
            line.split(separator: " ").first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
        try #require(daemon.waitForStderr(containing: "evaluated=new", timeout: Self.startup), "\(daemon.stderr)")
        let lines = ticks()
        let first = try #require(lines.first), warm = try #require(lines.last)
        #expect(field("evaluated", first) == "all", "\(first)")
        #expect(Int(field("due", first) ?? "") ?? 0 > 0, "\(first)")
        #expect(field("due", warm) == "0", "\(warm)")
        for line in [first, warm] {
            #expect(field("duration", line)?.wholeMatch(of: /[0-9]+\.[0-9]{3}/) != nil, "duration in seconds: \(line)")
        }

        // Another connection changes the store (a write that changes no byte is no change to SQLite):
        // the next tick cannot trust what it remembered.
        let before = daemon.stderrLength
        let store = try DatabaseQueue(path: d.dir + "/customers.db")
        try store.write { db in try db.execute(sql: "UPDATE customers SET name = 'Renamed' WHERE id = (SELECT min(id) FROM customers)") }
        try store.close()
        #expect(daemon.waitForStderr(containing: "evaluated=all", after: before, timeout: Self.startup), "\(daemon.stderr)")

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
    }

    // MARK: SIGHUP

    @Test func testSIGHUPWithBrokenTemplatesKeepsTheRunningVersionThenAFixReloadsAndANewIntervalApplies() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        #expect(daemon.waitForStderr(containing: "info tick ", timeout: Self.startup), "\(daemon.stderr)")

        // Two broken edits: an unclosed section (line 3) and a variable birthday cannot provide (line 4).
        let hu = d.dir + "/templates/birthday.hu.txt", en = d.dir + "/templates/birthday.txt"
        let huOriginal = try String(contentsOfFile: hu, encoding: .utf8), enOriginal = try String(contentsOfFile: en, encoding: .utf8)
        try "Subject: Boldog születésnapot\n\nKedves {{#customer.name}}!\n".write(toFile: hu, atomically: true, encoding: .utf8)
        var enLines = enOriginal.components(separatedBy: "\n")
        try #require(enLines.count > 4)
        enLines.insert("How is the {{purchase.item}}?", at: 3)
        try enLines.joined(separator: "\n").write(toFile: en, atomically: true, encoding: .utf8)

        var offset = daemon.stderrLength
        #expect(daemon.signal(SIGHUP))
        #expect(notify.waitFor(line: "RELOADING=1", timeout: 5) != nil, "\(notify.history)")
        #expect(notify.waitFor(line: "READY=1", timeout: 5) != nil, "no READY=1 after RELOADING=1: \(notify.history)")
        #expect(daemon.waitForStderr(containing: "keeping the running configuration", after: offset, timeout: 5), "\(daemon.stderr)")
        let refused = daemon.stderr(from: offset)
        #expect(refused.contains("\(hu):3"), "\(refused)")
        #expect(refused.contains("\(en):4"), "\(refused)")
        #expect(!refused.contains("reloaded"), "\(refused)")
        #expect(daemon.isRunning)
        // The running version goes on ticking.
        let ticksBefore = daemon.countStderrLines(containing: "info tick ")
        #expect(Self.eventually(timeout: 5) { daemon.countStderrLines(containing: "info tick ") > ticksBefore }, "\(daemon.stderr)")

        // Fixed, and a new interval: reloaded, then the 1 h interval holds the timer.
        try huOriginal.write(toFile: hu, atomically: true, encoding: .utf8)
        try enOriginal.write(toFile: en, atomically: true, encoding: .utf8)
        try d.editConfig { $0.replacingOccurrences(of: "interval = \"1s\"", with: "interval = \"1h\"") }
        offset = daemon.stderrLength
        #expect(daemon.signal(SIGHUP))
        #expect(notify.waitFor(line: "RELOADING=1", timeout: 5) != nil, "\(notify.history)")
        #expect(notify.waitFor(line: "READY=1", timeout: 5) != nil, "\(notify.history)")
        #expect(daemon.waitForStderr(containing: "reloaded", after: offset, timeout: 5), "\(daemon.stderr(from: offset))")
        #expect(!daemon.stderr(from: offset).contains("keeping the running configuration"), "\(daemon.stderr(from: offset))")
        // Ticks and reloads share one serial queue: after "reloaded" comes the new timer's first
        // tick, then none for an hour (at the old 1 s interval, two or three more in 2.5 s).
        let reloadOffset = offset
        func ticksSinceReload() -> Int {
            let log = daemon.stderr(from: reloadOffset)
            guard let reloaded = log.range(of: "reloaded") else { return 0 }
            return log[reloaded.upperBound...].components(separatedBy: "info tick ").count - 1
        }
        #expect(Self.eventually(timeout: 5) { ticksSinceReload() >= 1 }, "\(daemon.stderr(from: offset))")
        Thread.sleep(forTimeInterval: 2.5)
        #expect(ticksSinceReload() == 1, "ticks after the reload to interval 1h:\n\(daemon.stderr(from: offset))")
        #expect(daemon.isRunning)

        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
    }

    // MARK: SIGTERM / SIGINT

    @Test func testSIGTERMDuringASlowSMTPDeliveryDrainsExitsZeroAndLosesOrDuplicatesNothing() throws {
        let d = try DaemonDemo(drainTimeout: "5s")
        let slow = try ServerProcess(script: "smtp_server.py", spool: d.folder + "/slow-smtp", arguments: ["--slow", "3"])
        defer { slow.stop() }
        try d.useSMTP(port: slow.port)
        let due = try d.dueCount()
        try #require(due > 1)
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        // SIGTERM while the first message's DATA is being answered (3 s).
        try #require(Self.eventually(timeout: Self.startup) { Self.events(slow.spool).contains("\"connect\"") }, "no SMTP connection\n\(daemon.stderr)")
        Thread.sleep(forTimeInterval: 0.8)
        let signalled = Date()
        daemon.signal(SIGTERM)
        #expect(notify.waitFor(line: "STOPPING=1", timeout: 3) != nil, "\(notify.history)")
        let exit = daemon.waitForExit(timeout: 5 + 3)
        let took = Date().timeIntervalSince(signalled)
        #expect(exit == 0, "\(daemon.stderr)")
        #expect(took < 5 + 1.5, "exit \(took) s after SIGTERM with drain_timeout 5s")
        #expect(!daemon.crashed)

        // The message under way finished; the rest went back to the queue, nothing is stuck or lost.
        let totals = try d.totals()
        let sent = totals["sent", default: 0]
        #expect(sent >= 1 && sent < due, "\(totals)")
        #expect(totals["sending", default: 0] == 0, "\(totals)")
        #expect(totals["queued", default: 0] == due - sent, "\(totals)")
        #expect(totals["failed", default: 0] + totals["retry", default: 0] + totals["expired", default: 0] == 0, "\(totals)")
        let slowIDs = Self.messageIDs(in: slow.spool)
        #expect(slowIDs.count == sent, "\(slowIDs)")
        slow.stop()

        // The next start delivers the rest, each Message-ID exactly once across both servers.
        let fast = try ServerProcess(script: "smtp_server.py", spool: d.folder + "/fast-smtp")
        defer { fast.stop() }
        try d.useSMTP(port: fast.port)
        let once = try d.demo.run("run", "--once")
        #expect(once.status == 0, "\(once)")
        fast.stop()
        #expect(try d.totals()["sent"] == due)
        let ids = slowIDs + Self.messageIDs(in: fast.spool)
        #expect(ids.count == due, "\(ids.count) messages received for \(due) due")
        #expect(Set(ids).count == ids.count, "a Message-ID arrived twice: \(ids.sorted())")
    }

    @Test func testDrainTimeoutPassingStillExitsZeroAndTheNextStartRequeuesWithTheSameMessageID() throws {
        let d = try DaemonDemo(drainTimeout: "1s")
        let slow = try ServerProcess(script: "smtp_server.py", spool: d.folder + "/slow-smtp", arguments: ["--slow", "8"])
        defer { slow.stop() }
        try d.useSMTP(port: slow.port)
        let due = try d.dueCount()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        try #require(Self.eventually(timeout: Self.startup) { Self.events(slow.spool).contains("\"connect\"") }, "\(daemon.stderr)")
        Thread.sleep(forTimeInterval: 0.5)
        let signalled = Date()
        daemon.signal(SIGTERM)
        let exit = daemon.waitForExit(timeout: 1 + 4)
        let took = Date().timeIntervalSince(signalled)
        #expect(exit == 0, "\(daemon.stderr)")
        #expect(took < 1 + 2, "exit \(took) s after SIGTERM with drain_timeout 1s")
        #expect(daemon.stderr.contains("drain_timeout passed"), "\(daemon.stderr)")
        let totals = try d.totals()
        #expect(totals["sent", default: 0] == 0, "\(totals)")
        #expect(totals["sending", default: 0] >= 1, "\(totals)")
        #expect(totals["queued", default: 0] + totals["sending", default: 0] == due, "\(totals)")
        slow.stop()

        let fast = try ServerProcess(script: "smtp_server.py", spool: d.folder + "/fast-smtp")
        defer { fast.stop() }
        try d.useSMTP(port: fast.port)
        let once = try d.demo.run("run", "--once")
        #expect(once.status == 0, "\(once)")
        #expect(once.stderr.contains("requeued"), "\(once)")
        fast.stop()
        #expect(try d.totals()["sent"] == due)
        let fastIDs = Self.messageIDs(in: fast.spool)
        #expect(fastIDs.count == due && Set(fastIDs).count == due, "\(fastIDs.sorted())")
        // The only possible duplicate: the attempt under way, with the same Message-ID.
        let slowIDs = Self.messageIDs(in: slow.spool)
        #expect(slowIDs.count <= 1 && Set(slowIDs).isSubset(of: Set(fastIDs)), "\(slowIDs)")
    }

    @Test func testSIGINTDrainsAndExitsZeroLikeSIGTERM() throws {
        let d = try DaemonDemo()
        let due = try d.dueCount()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        #expect(notify.waitFor(timeout: Self.startup) { Self.status($0)?.hasPrefix("last tick") == true } != nil, "\(notify.history)")
        daemon.signal(SIGINT)
        #expect(notify.waitFor(line: "STOPPING=1", timeout: 5) != nil, "\(notify.history)")
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
        #expect(!daemon.crashed)
        #expect(daemon.stderr.contains("signal=SIGINT"), "\(daemon.stderr)")
        let totals = try d.totals()
        #expect(totals["sent"] == due && totals["sending", default: 0] == 0, "\(totals)")
    }

    // MARK: One run per state database

    @Test func testASecondRunOnTheSameStateDatabaseFailsAtOnce() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let first = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(first.stderr)")

        let started = Date()
        let second = try d.start()
        let status = second.waitForExit(timeout: 10)
        #expect(status == 1, "\(second.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(second.stderr.contains("another outreachd run"), "\(second.stderr)")
        #expect(!second.stderr.contains("Fatal error") && !second.crashed, "\(second.stderr)")
        let once = try d.demo.run("run", "--once")
        #expect(once.status == 1, "\(once)")
        #expect(once.stderr.contains("another outreachd run"), "\(once)")
        #expect(first.isRunning)

        first.signal(SIGTERM)
        #expect(first.waitForExit(timeout: 5) == 0, "\(first.stderr)")
        // The lock went with the process.
        let after = try d.demo.run("run", "--once")
        #expect(after.status == 0, "\(after)")
    }

    // MARK: Logs

    @Test func testUnderJournaldLinesCarrySyslogPrioritiesAndNoMessageBody() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify, environment: ["JOURNAL_STREAM": "8:123456"])
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        #expect(daemon.waitForStderr(containing: " tick ", timeout: Self.startup), "\(daemon.stderr)")
        // An error: a reload refused.
        let en = d.dir + "/templates/birthday.txt"
        let original = try String(contentsOfFile: en, encoding: .utf8)
        try (original + "\n{{purchase.item}}\n").write(toFile: en, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        #expect(daemon.waitForStderr(containing: "reload refused", timeout: 5), "\(daemon.stderr)")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")

        let lines = daemon.stderrLines
        #expect(lines.count >= 4)
        let unprefixed = lines.filter { $0.range(of: #"^<[0-7]>"#, options: .regularExpression) == nil }
        #expect(unprefixed.isEmpty, "lines without a <N> priority: \(unprefixed)")
        #expect(lines.contains { $0.hasPrefix("<5>") && $0.contains("started") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("<6>") && $0.contains("tick") }, "\(lines)")
        #expect(lines.contains { $0.hasPrefix("<3>") && $0.contains("reload refused") }, "\(lines)")
        #expect(!lines.contains { $0.range(of: #"^<[0-7]>\d{4}-\d\d-\d\dT"#, options: .regularExpression) != nil },
                "journald adds its own timestamps: \(lines.prefix(3))")
        Self.expectNoMessageBody(daemon.stderr)
    }

    @Test func testWithoutJournaldLinesStartWithAnISOTimestampAndCarryNoMessageBody() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        #expect(notify.waitFor(timeout: Self.startup) { Self.status($0)?.hasPrefix("last tick") == true } != nil)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
        let lines = daemon.stderrLines
        #expect(lines.contains { $0.contains(" sent ") }, "\(lines)")
        let bad = lines.filter { $0.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) "#, options: .regularExpression) == nil }
        #expect(bad.isEmpty, "lines without an ISO 8601 timestamp: \(bad)")
        #expect(!lines.contains { $0.hasPrefix("<") })
        Self.expectNoMessageBody(daemon.stderr)
    }

    // MARK: Catch-up after a downtime

    @Test func testFirstTickAfterThreeDaysDownRecordsMissedOccurrencesAsExpiredAndSendsThoseStillInTime() throws {
        let d = try DaemonDemo()
        let now = Date()
        let zone = Self.daytimeZone(at: now)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        let twoDaysAgo = calendar.dateComponents([.year, .month, .day], from: now.addingTimeInterval(-2 * 86_400))
        let birthday = String(format: "1990-%02d-%02d", twoDaysAgo.month!, twoDaysAgo.day!)
        let purchased = ISO8601DateFormatter().string(from: now.addingTimeInterval(-16 * 86_400))
        // A birthday two days ago (max_lateness 1 day: missed) and a purchase whose 14-day check-in
        // was due two days ago (max_lateness 7 days: still in time).
        let store = try DatabaseQueue(path: d.dir + "/customers.db")
        try store.write { db in
            try db.execute(sql: "INSERT INTO customers(id, name, email, locale, timezone, birthday, opted_out) VALUES (?, ?, ?, 'en', ?, ?, 0)",
                           arguments: ["C900", "Lena Late", "lena.late@example.com", zone, birthday])
            try db.execute(sql: "INSERT INTO customers(id, name, email, locale, timezone, birthday, opted_out) VALUES (?, ?, ?, 'en', ?, NULL, 0)",
                           arguments: ["C901", "Owen Ontime", "owen.ontime@example.com", zone])
            try db.execute(sql: "INSERT INTO purchases(id, customer_id, purchased_at, amount, currency, item) VALUES ('P900', 'C901', ?, 120, 'EUR', 'kettle')",
                           arguments: [purchased])
        }
        try store.close()
        let due = try d.dueCount()
        let state = try DatabaseQueue(path: d.dir + "/state.db")
        try state.write { db in
            try db.execute(sql: "INSERT INTO meta(name, value) VALUES ('last_tick', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
                           arguments: [String(now.addingTimeInterval(-3 * 86_400).timeIntervalSince1970)])
        }
        try state.close()

        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        let first = notify.waitFor(timeout: Self.startup) { Self.status($0)?.hasPrefix("last tick") == true }.flatMap(Self.status)
        #expect(first?.contains("expired 0") == false && first?.contains("expired") == true, "\(first ?? "no STATUS")")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")

        let key = "birthday:C900:\(twoDaysAgo.year!)"
        let rows = try Self.ledgerStates(d.dir + "/state.db")
        #expect(rows[key] == "expired", "\(key): \(rows[key] ?? "absent"); \(daemon.stderr)")
        #expect(rows["post_purchase:P900"] == "sent", "\(rows["post_purchase:P900"] ?? "absent")")
        #expect(rows.values.filter { $0 == "sent" }.count == due, "every occurrence still in time is sent")
        let status = try d.demo.run("status", "--format", "jsonl")
        #expect(status.lines.contains { $0.contains("\"rule\":\"birthday\"") && $0.contains("\"state\":\"expired\"") }, "\(status)")
        #expect(status.stdout.contains(key), "the expired row among the problems: \(status)")
        #expect(!d.maildirNew().contains { (try? String(contentsOfFile: $0, encoding: .utf8))?.contains("lena.late@example.com") == true })
    }

    // MARK: A failing store

    @Test func testAStoreThatBecomesUnreadableFailsTheTickOnlyAndARestoredOneWorksAgain() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        try #require(daemon.waitForStderr(containing: "info tick ", timeout: Self.startup), "\(daemon.stderr)")
        let path = d.dir + "/customers.db"
        let original = try Data(contentsOf: URL(fileURLWithPath: path))
        // Overwritten in place with something that is not a database (as a botched copy would).
        try Self.overwrite(path, with: Data(String(repeating: "this is not a SQLite database\n", count: 300).utf8))
        var offset = daemon.stderrLength
        #expect(daemon.waitForStderr(containing: "tick failed", after: offset, timeout: 5), "\(daemon.stderr(from: offset))")
        #expect(notify.waitFor(containing: "STATUS=last tick failed", timeout: 5) != nil, "\(notify.history)")
        Thread.sleep(forTimeInterval: 1.2)
        #expect(daemon.isRunning, "\(daemon.stderr)")
        #expect(!daemon.stderr.contains("Fatal error"))

        try Self.overwrite(path, with: original)
        offset = daemon.stderrLength
        #expect(daemon.waitForStderr(containing: "info tick ", after: offset, timeout: 5), "\(daemon.stderr(from: offset))")
        #expect(daemon.isRunning)
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
    }

    @Test func testAStoreRemovedAtRuntimeFailsTheTickAndItsReturnIsPickedUp() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        try #require(daemon.waitForStderr(containing: "info tick ", timeout: Self.startup), "\(daemon.stderr)")
        let path = d.dir + "/customers.db", aside = d.folder + "/customers.db.aside"
        try FileManager.default.moveItem(atPath: path, toPath: aside)
        var offset = daemon.stderrLength
        #expect(daemon.waitForStderr(containing: "tick failed", after: offset, timeout: 4),
                "the store is gone but ticks go on reading the unlinked file:\n\(daemon.stderr(from: offset))")
        #expect(daemon.isRunning)
        try FileManager.default.moveItem(atPath: aside, toPath: path)
        offset = daemon.stderrLength
        #expect(daemon.waitForStderr(containing: "info tick ", after: offset, timeout: 5), "\(daemon.stderr(from: offset))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
    }

    @Test func testALedgerRemovedAtRuntimeStopsSendingAndItsReturnResumesWithoutResending() throws {
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        try #require(daemon.waitForStderr(containing: "info tick ", timeout: Self.startup), "\(daemon.stderr)")
        let sent = d.maildirNew()
        let state = d.dir + "/state.db", aside = d.folder + "/state.db.aside"
        try FileManager.default.moveItem(atPath: state, toPath: aside)
        // A customer whose birthday is today arrives while the ledger is away: nothing may go out
        // that could not be recorded where the next start will look.
        let (zone, birthday) = Self.birthdayNow()
        let store = try DatabaseQueue(path: d.dir + "/customers.db")
        try store.write { db in
            try db.execute(sql: "INSERT INTO customers(id, name, email, locale, timezone, birthday, opted_out) VALUES ('C951', 'Ola Away', 'ola.away@example.com', 'en', ?, ?, 0)",
                           arguments: [zone, birthday])
        }
        try store.close()
        var offset = daemon.stderrLength
        #expect(daemon.waitForStderr(containing: "tick failed", after: offset, timeout: 4), "\(daemon.stderr(from: offset))")
        #expect(daemon.stderr(from: offset).contains("state database does not exist"), "\(daemon.stderr(from: offset))")
        Thread.sleep(forTimeInterval: 1.5)
        #expect(!daemon.stderr(from: offset).contains("key=birthday:C951:"), "sent without a ledger:\n\(daemon.stderr(from: offset))")
        #expect(d.maildirNew() == sent)
        #expect(daemon.isRunning)

        try FileManager.default.moveItem(atPath: aside, toPath: state)
        offset = daemon.stderrLength
        #expect(daemon.waitForStderr(containing: "key=birthday:C951:", after: offset, timeout: 5), "\(daemon.stderr(from: offset))")
        #expect(d.maildirNew().count == sent.count + 1, "only the new customer's message went out")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
    }

    @Test func testAStoreReplacedByRenameIsReadAtTheNextTick() throws {
        // How an export job refreshes a SQLite store: write a new file, rename it over the old one.
        let d = try DaemonDemo()
        let notify = try NotifySocket(directory: d.folder)
        let daemon = try d.start(notify: notify)
        try #require(notify.waitFor(line: "READY=1", timeout: Self.startup) != nil, "\(daemon.stderr)")
        try #require(daemon.waitForStderr(containing: "info tick ", timeout: Self.startup), "\(daemon.stderr)")
        let (zone, birthday) = Self.birthdayNow()
        let path = d.dir + "/customers.db", next = d.dir + "/customers.db.next"
        try FileManager.default.copyItem(atPath: path, toPath: next)
        let store = try DatabaseQueue(path: next)
        try store.write { db in
            try db.execute(sql: "INSERT INTO customers(id, name, email, locale, timezone, birthday, opted_out) VALUES ('C950', 'Nora New', 'nora.new@example.com', 'en', ?, ?, 0)",
                           arguments: [zone, birthday])
        }
        try store.close()
        let offset = daemon.stderrLength
        #expect(rename(next, path) == 0)
        #expect(daemon.waitForStderr(containing: "key=birthday:C950:", after: offset, timeout: 4),
                "a new customer with a birthday today in the replaced store was not seen (the old file is still read):\n\(daemon.stderr(from: offset))")
        // Control: a reload opens the new file, so the test's data is right either way.
        daemon.signal(SIGHUP)
        #expect(daemon.waitForStderr(containing: "key=birthday:C950:", after: offset, timeout: 4), "\(daemon.stderr(from: offset))")
        daemon.signal(SIGTERM)
        #expect(daemon.waitForExit(timeout: 5) == 0, "\(daemon.stderr)")
    }

    // MARK: Prometheus

    @Test func testStatusPrometheusIsValidExpositionMatchingTheLedger() throws {
        let demo = try CLIDemo(at: DaemonDemo.isoNow())
        let fresh = try demo.run("status", "--format", "prometheus")
        #expect(fresh.status == 0, "\(fresh)")
        let before = PrometheusText(fresh.stdout)
        #expect(before.problems.isEmpty, "\(before.problems)\n\(fresh.stdout)")
        #expect(before.samples.filter { $0.name == "outreachd_last_tick_timestamp_seconds" }.isEmpty)

        let once = try demo.run("run", "--once")
        #expect(once.status == 0, "\(once)")
        let result = try demo.run("status", "--format", "prometheus")
        #expect(result.status == 0, "\(result)")
        let text = PrometheusText(result.stdout)
        #expect(text.problems.isEmpty, "\(text.problems)\n\(result.stdout)")

        var ledger: [String: Double] = [:]
        for line in try demo.run("status", "--format", "jsonl").lines {
            guard let object = jsonObject(line), let rule = object["rule"] as? String, let state = object["state"] as? String,
                  let count = object["count"] as? Int else { continue }
            ledger["\(rule)/\(state)"] = Double(count)
        }
        var exposed: [String: Double] = [:]
        for s in text.samples where s.name == "outreachd_messages" {
            exposed["\(s.labels["rule"] ?? "?")/\(s.labels["state"] ?? "?")"] = s.value
        }
        #expect(!ledger.isEmpty)
        #expect(exposed == ledger, "prometheus \(exposed) vs status \(ledger)")
        let sent = text.samples.filter { $0.name == "outreachd_messages" && $0.labels["state"] == "sent" }.reduce(0) { $0 + $1.value }
        #expect(sent > 0)
        #expect(once.stdout.contains("sent \(Int(sent)),"), "\(once.stdout) vs \(sent) sent")
        let tick = try #require(text.samples.first { $0.name == "outreachd_last_tick_timestamp_seconds" }, "\(result.stdout)")
        #expect(abs(tick.value - Date().timeIntervalSince1970) < 300, "\(tick.value)")
        #expect(text.types["outreachd_messages"] == "gauge")
    }

    // MARK: systemd unit

    @Test func testSystemdAnalyzeVerifyAcceptsTheUnit() throws {
        let analyze = try #require(Self.systemdAnalyze())
        let folder = TemporaryFolder()
        let unit = try Self.unitCopy(in: folder)
        let result = try runTool(analyze, ["verify", unit], in: folder.path)
        #expect(result.status == 0, "\(result)")
        let about = (result.stdout + result.stderr).split(separator: "\n").filter { $0.contains("outreachd") || $0.contains(folder.path) }
        #expect(about.isEmpty, "systemd-analyze verify complains about the unit:\n\(about.joined(separator: "\n"))")
    }

    @Test func testSystemdAnalyzeSecurityExposureIsAtMostTwo() throws {
        let analyze = try #require(Self.systemdAnalyze())
        let folder = TemporaryFolder()
        let unit = try Self.unitCopy(in: folder)
        let result = try runTool(analyze, ["security", "--offline=yes", "--no-pager", unit], in: folder.path)
        #expect(result.status == 0, "\(result)")
        let output = result.stdout + result.stderr
        let match = try #require(output.firstMatch(of: /Overall exposure level for outreachd\.service: ([0-9]+(?:\.[0-9]+)?)/),
                                 "no overall exposure level in:\n\(output)")
        let level = try #require(Double(String(match.1)))
        #expect(level <= 2.0, "exposure \(level) > 2.0:\n\(output)")
    }

    // MARK: install.sh

    @Test func testInstallScriptInstallsKeepsEditsAndUninstallsWhatIsUnedited() throws {
        let dest = TemporaryFolder()
        let env = ["DESTDIR": dest.path, "BIN": DaemonProcess.binary, "PREFIX": "/usr/local"]
        let root = CLI.packageRoot
        let first = try runTool("/bin/sh", ["systemd/install.sh", "install"], in: root, environment: env)
        #expect(first.status == 0, "\(first)")
        let bin = dest.path + "/usr/local/bin/outreachd"
        let unit = dest.path + "/etc/systemd/system/outreachd.service"
        let etc = dest.path + "/etc/outreachd"
        let config = etc + "/outreachd.toml"
        let templates = try FileManager.default.contentsOfDirectory(atPath: root + "/templates").filter { $0.hasSuffix(".txt") }.sorted()
        try #require(templates.contains("birthday.txt") && templates.contains("birthday.hu.txt"))
        #expect(FileManager.default.isExecutableFile(atPath: bin))
        #expect(Self.same(unit, root + "/systemd/outreachd.service"))
        #expect(Self.same(config, root + "/examples/outreachd.toml"))
        for t in templates { #expect(Self.same(etc + "/templates/" + t, root + "/templates/" + t), "\(t)") }

        // The operator edits a template and the config; a second install keeps both.
        let edited = etc + "/templates/birthday.txt"
        let editedText = try String(contentsOfFile: edited, encoding: .utf8) + "\nP.S. Written by our operator.\n"
        try editedText.write(toFile: edited, atomically: true, encoding: .utf8)
        let configText = try String(contentsOfFile: config, encoding: .utf8) + "\n# the operator's note\n"
        try configText.write(toFile: config, atomically: true, encoding: .utf8)
        let second = try runTool("/bin/sh", ["systemd/install.sh", "install"], in: root, environment: env)
        #expect(second.status == 0, "\(second)")
        #expect(try String(contentsOfFile: edited, encoding: .utf8) == editedText)
        #expect(Self.same(edited + ".new", root + "/templates/birthday.txt"), "\(second)")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == configText)
        #expect(!FileManager.default.fileExists(atPath: config + ".new"))
        #expect(!FileManager.default.fileExists(atPath: etc + "/templates/birthday.hu.txt.new"), "an unedited file got a .new")
        #expect(Self.same(etc + "/templates/birthday.hu.txt", root + "/templates/birthday.hu.txt"))

        let third = try runTool("/bin/sh", ["systemd/install.sh", "uninstall"], in: root, environment: env)
        #expect(third.status == 0, "\(third)")
        #expect(!FileManager.default.fileExists(atPath: bin))
        #expect(!FileManager.default.fileExists(atPath: unit))
        for t in templates where t != "birthday.txt" {
            #expect(!FileManager.default.fileExists(atPath: etc + "/templates/" + t), "\(t) left behind")
        }
        #expect(try String(contentsOfFile: edited, encoding: .utf8) == editedText, "the edited template was removed")
        #expect(try String(contentsOfFile: config, encoding: .utf8) == configText, "the config was removed")
        #expect(!FileManager.default.fileExists(atPath: edited + ".new"), "uninstall left the unedited \(edited).new behind")
    }
}

// MARK: - Helpers

/// A demo seeded for now by the binary, with a 1 s tick (and a drain timeout if given).
private struct DaemonDemo {
    let demo: CLIDemo
    var folder: String { demo.folder.path }
    var dir: String { demo.dir }
    var config: String { demo.config }

    static func isoNow() -> String {
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(identifier: "UTC")
        return f.string(from: Date())
    }

    init(interval: String = "1s", drainTimeout: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        demo = try CLIDemo(at: Self.isoNow(), sourceLocation: sourceLocation)
        let drain = drainTimeout.map { "\ndrain_timeout = \"\($0)\"" } ?? ""
        try editConfig { $0.replacingOccurrences(of: "interval = \"60s\"", with: "interval = \"\(interval)\"" + drain) }
    }

    /// Rewrites the config; fails if `transform` changed nothing.
    func editConfig(_ transform: (String) -> String) throws {
        let text = try String(contentsOfFile: config, encoding: .utf8)
        let changed = transform(text)
        try #require(changed != text, "the config edit matched nothing:\n\(text)")
        try changed.write(toFile: config, atomically: true, encoding: .utf8)
    }

    /// Points the `spool` channel at the SMTP server on 127.0.0.1:`port`, one connection.
    func useSMTP(port: Int) throws {
        try editConfig { text in
            if let existing = text.firstRange(of: /url = "smtp:\/\/127\.0\.0\.1:[0-9]+"/) {
                return text.replacingCharacters(in: existing, with: "url = \"smtp://127.0.0.1:\(port)\"")
            }
            return text.replacingOccurrences(of: """
                [channels.spool]
                kind = "maildir"
                path = "Maildir"
                from = "Example Care <care@example.com>"
                """, with: """
                [channels.spool]
                kind = "smtp"
                url = "smtp://127.0.0.1:\(port)"
                tls = "none"
                from = "Care <care@example.com>"
                concurrency = 1
                """)
        }
    }

    /// `outreachd run --config …` as a child, notifying `notify` if given.
    func start(notify: NotifySocket? = nil, environment: [String: String] = [:], arguments: [String] = []) throws -> DaemonProcess {
        var env = environment
        if let notify { env["NOTIFY_SOCKET"] = notify.address }
        return try DaemonProcess(arguments: ["run", "--config", config] + arguments, directory: folder, environment: env, logDirectory: folder)
    }

    /// How many messages `preview` says are due now.
    func dueCount() throws -> Int {
        let preview = try demo.run("preview", "--format", "jsonl")
        try #require(preview.status == 0, "\(preview)")
        return preview.lines.count
    }

    /// Ledger rows by state, all rules together (from `status --format jsonl`).
    func totals() throws -> [String: Int] {
        let status = try demo.run("status", "--format", "jsonl")
        try #require(status.status == 0, "\(status)")
        var totals: [String: Int] = [:]
        for line in status.lines {
            guard let object = jsonObject(line), let state = object["state"] as? String, let count = object["count"] as? Int,
                  object["rule"] != nil else { continue }
            totals[state, default: 0] += count
        }
        return totals
    }

    /// The message files in `Maildir/new`.
    func maildirNew() -> [String] {
        let new = dir + "/Maildir/new"
        return ((try? FileManager.default.contentsOfDirectory(atPath: new)) ?? []).map { new + "/" + $0 }
    }
}

extension DaemonTests {
    /// The value of the `STATUS=` line of a datagram.
    static func status(_ message: String) -> String? {
        NotifySocket.lines(message).first { $0.hasPrefix("STATUS=") }.map { String($0.dropFirst("STATUS=".count)) }
    }

    /// Polls `condition` every 20 ms for up to `timeout` seconds.
    static func eventually(timeout: TimeInterval, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    static func events(_ spool: String) -> String {
        (try? String(contentsOfFile: spool + "/events.jsonl", encoding: .utf8)) ?? ""
    }

    /// The Message-ID header of every message an SMTP test server stored.
    static func messageIDs(in spool: String) -> [String] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter { $0.hasSuffix(".eml") }
        return files.compactMap { name -> String? in
            guard let data = FileManager.default.contents(atPath: spool + "/" + name) else { return nil }
            let head = String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
            return head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("message-id:") }
                .map { $0.dropFirst("message-id:".count).trimmingCharacters(in: .whitespaces) } ?? "(none in \(name))"
        }
    }

    /// No greeting or sentence of a rendered message reached the log.
    static func expectNoMessageBody(_ log: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for phrase in ["Kedves", "Everyone here at", "Vi på Example Kft.", "สวัสดีค่ะ", "Warm regards"] {
            #expect(!log.contains(phrase), "a message body reached the log (\(phrase)):\n\(log)", sourceLocation: sourceLocation)
        }
    }

    /// A fixed-offset zone where it is now early afternoon (inside the demo's send window).
    /// A zone where it is daytime now, and a birthday (born 1990) that is today there.
    static func birthdayNow() -> (zone: String, birthday: String) {
        let now = Date()
        let zone = daytimeZone(at: now)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone) ?? .gmt
        let today = calendar.dateComponents([.month, .day], from: now)
        return (zone, String(format: "1990-%02d-%02d", today.month ?? 1, today.day ?? 1))
    }

    static func daytimeZone(at now: Date) -> String {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC")!
        let offset = 13 - utc.component(.hour, from: now)   // -10 … +13
        if offset == 0 { return "UTC" }
        return offset > 0 ? "Etc/GMT-\(offset)" : "Etc/GMT+\(-offset)"   // POSIX signs: Etc/GMT-3 is UTC+3
    }

    /// Every ledger row's state by key, read with GRDB read-only.
    static func ledgerStates(_ path: String) throws -> [String: String] {
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            Dictionary(uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT key, state FROM outbox").map { ($0[0] as String, $0[1] as String) })
        }
    }

    /// Replaces a file's bytes in place (same inode), as a botched copy over it would.
    static func overwrite(_ path: String, with data: Data) throws {
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.truncate(atOffset: 0)
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }

    static func same(_ a: String, _ b: String) -> Bool {
        guard let x = FileManager.default.contents(atPath: a), let y = FileManager.default.contents(atPath: b) else { return false }
        return x == y
    }

    /// `/usr/bin/systemd-analyze`, or a recorded failure saying how to get it (never a skip).
    static func systemdAnalyze(sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        for candidate in ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"] where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        Issue.record("systemd-analyze is missing: install the Debian package `systemd` (`make test-deps` does)", sourceLocation: sourceLocation)
        return nil
    }

    /// A copy of systemd/outreachd.service whose ExecStart/ExecStartPre run the built binary.
    static func unitCopy(in folder: TemporaryFolder) throws -> String {
        let text = try String(contentsOfFile: CLI.packageRoot + "/systemd/outreachd.service", encoding: .utf8)
        let rewritten = text.components(separatedBy: "\n").map { line -> String in
            guard line.hasPrefix("ExecStart=") || line.hasPrefix("ExecStartPre=") else { return line }
            return line.replacingOccurrences(of: "/usr/local/bin/outreachd", with: CLI.binary)
        }.joined(separator: "\n")
        try #require(rewritten.contains("ExecStart=\(CLI.binary) run"), "ExecStart not rewritten:\n\(rewritten)")
        return folder.write("outreachd.service", rewritten)
    }
}

/// Runs `executable arguments` to completion (bounded), capturing its output.
private func runTool(_ executable: String, _ arguments: [String], in directory: String, environment extra: [String: String] = [:],
                     timeout: TimeInterval = 60, sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
    var environment = ProcessInfo.processInfo.environment
    environment["SYSTEMD_COLORS"] = "0"
    environment["SYSTEMD_PAGER"] = ""
    environment.merge(extra) { _, new in new }
    let run = try runProcess(executable, arguments, in: directory, environment: environment, timeout: timeout)
    if run.timedOut {
        Issue.record("\(executable) \(arguments.joined(separator: " ")) did not finish within \(Int(timeout)) s", sourceLocation: sourceLocation)
    }
    return run.result
}

/// A parser and checker for the Prometheus text exposition format (version 0.0.4).
private struct PrometheusText {
    struct Sample { var name: String; var labels: [String: String]; var value: Double }
    var samples: [Sample] = []
    var helps: [String: String] = [:]
    var types: [String: String] = [:]
    /// Every way the text breaks the format.
    var problems: [String] = []

    init(_ text: String) {
        if !text.isEmpty && !text.hasSuffix("\n") { problems.append("the text does not end with a line feed") }
        let metricName = /[a-zA-Z_:][a-zA-Z0-9_:]*/
        var seenSeries: Set<String> = []
        var familiesWithSamples: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw)
            let n = index + 1
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
                guard parts.count >= 3, parts[1] == "HELP" || parts[1] == "TYPE" else { continue }  // a plain comment
                let name = parts[2]
                if name.wholeMatch(of: metricName) == nil { problems.append("line \(n): bad metric name \(name)") }
                if familiesWithSamples.contains(name) { problems.append("line \(n): \(parts[1]) for \(name) after its samples") }
                if parts[1] == "HELP" {
                    if helps[name] != nil { problems.append("line \(n): second HELP for \(name)") }
                    helps[name] = parts.count > 3 ? parts[3] : ""
                } else {
                    let type = parts.count > 3 ? parts[3] : ""
                    if !["counter", "gauge", "histogram", "summary", "untyped"].contains(type) { problems.append("line \(n): bad TYPE \(type)") }
                    if types[name] != nil { problems.append("line \(n): second TYPE for \(name)") }
                    types[name] = type
                }
                continue
            }
            guard let sample = Self.parseSample(line) else { problems.append("line \(n): not a sample: \(line)"); continue }
            let family = Self.family(of: sample.name, types: types)
            if helps[family] == nil { problems.append("line \(n): \(sample.name) has no # HELP") }
            if types[family] == nil { problems.append("line \(n): \(sample.name) has no # TYPE") }
            if let last = familiesWithSamples.last, last != family, familiesWithSamples.contains(family) {
                problems.append("line \(n): samples of \(family) are not together")
            }
            if familiesWithSamples.last != family { familiesWithSamples.append(family) }
            let series = sample.name + "{" + sample.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "}"
            if !seenSeries.insert(series).inserted { problems.append("line \(n): duplicate series \(series)") }
            samples.append(sample)
        }
    }

    /// The family a sample belongs to (`x_bucket` of a histogram `x` belongs to `x`).
    static func family(of name: String, types: [String: String]) -> String {
        if types[name] != nil { return name }
        for suffix in ["_bucket", "_sum", "_count", "_total", "_created"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] != nil { return base }
        }
        return name
    }

    /// `name{label="value",…} value [timestamp]`, or nil if the line is not one.
    static func parseSample(_ line: String) -> Sample? {
        var rest = Substring(line)
        guard let name = rest.prefixMatch(of: /[a-zA-Z_:][a-zA-Z0-9_:]*/) else { return nil }
        rest = rest[name.range.upperBound...]
        var labels: [String: String] = [:]
        if rest.first == "{" {
            rest = rest.dropFirst()
            while rest.first != "}" {
                guard let label = rest.prefixMatch(of: /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"/) else { return nil }
                let key = String(label.1)
                guard labels[key] == nil else { return nil }
                labels[key] = String(label.2).replacingOccurrences(of: "\\n", with: "\n").replacingOccurrences(of: "\\\"", with: "\"")
                    .replacingOccurrences(of: "\\\\", with: "\\")
                rest = rest[label.range.upperBound...]
                if rest.first == "," { rest = rest.dropFirst() } else if rest.first != "}" { return nil }
            }
            rest = rest.dropFirst()
        }
        let fields = rest.split(separator: " ", omittingEmptySubsequences: true)
        guard rest.first == " ", fields.count == 1 || fields.count == 2 else { return nil }
        if fields.count == 2, Int64(fields[1]) == nil { return nil }
        let valueText = String(fields[0])
        let value: Double?
        switch valueText {
        case "NaN": value = .nan
        case "+Inf", "Inf": value = .infinity
        case "-Inf": value = -.infinity
        default: value = Double(valueText)
        }
        guard let value else { return nil }
        return Sample(name: String(name.output), labels: labels, value: value)
    }
}
