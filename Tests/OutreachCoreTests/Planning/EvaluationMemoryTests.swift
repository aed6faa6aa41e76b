import Foundation
import GRDB
import Logging
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// A daemon's ticks planning only what is new (``EvaluationMemory``) must put into the ledger
/// exactly what ticks evaluating everything put into theirs, whatever happens between ticks.
///
/// Two evaluators tick at the same instants over the same store file, each into a ledger of its
/// own: one keeps its memory from tick to tick, the other evaluates everything every time. Between
/// ticks the store is written through another connection (a purchase backdated into the window, a
/// ticket reopened, consent given, a customer moved to another zone), the suppression list changes
/// through another ledger connection, and quiet hours, the cap and lateness do their work. After
/// every tick both ledgers must hold the same rows.
@Suite struct EvaluationMemoryTests {
    static let logger = Logger(label: "test")

    /// Customers in zones from -11 to +14 hours (and Lord Howe's half-hour DST), with birthdays,
    /// purchases and tickets around the run, some opted out or without an address.
    static func seed(_ writer: SQLiteCustomerStore, around start: Date) throws {
        let zones = ["Europe/Budapest", "Asia/Bangkok", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago",
                     "Australia/Lord_Howe", "Europe/London", "America/Los_Angeles"]
        let utc = TimeZone(identifier: "UTC")!
        let today = CivilDate(start, in: utc)
        func stamp(_ hoursFromStart: Double) -> String {
            Timestamp.format(start.addingTimeInterval(hoursFromStart * 3600), in: utc)
        }
        try writer.write { db in
            for i in 0..<48 {
                let birthday = today.adding(days: i % 5 - 1)
                let email: String? = i % 11 == 7 ? nil : "c\(i)@example.com"
                try db.execute(sql: """
                    INSERT INTO customers(id, name, email, locale, timezone, birthday, tier, opted_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: ["C\(i)", "Customer \(i)", email, ["hu", "th", "en", "sv"][i % 4], zones[i % zones.count],
                                     String(format: "%04d-%02d-%02d", 1980 + i, birthday.month, birthday.day),
                                     i % 6 == 0 ? "gold" : "standard", i % 13 == 5 ? 1 : 0])
                for k in 0..<3 {
                    // Purchases from 12 days before the start to a day after it, every customer several.
                    let hours = Double((i * 37 + k * 101) % 312) - 288
                    try db.execute(sql: "INSERT INTO purchases(id, customer_id, purchased_at, amount, currency, item) VALUES (?, ?, ?, ?, 'HUF', 'kettle')",
                                   arguments: ["P\(i)-\(k)", "C\(i)", stamp(hours), Double((i * 7 + k) % 5) * 40])
                }
                let status = ["open", "pending", "solved", "closed"][i % 4]
                let updated = stamp(Double((i * 29) % 120) - 110)
                try db.execute(sql: """
                    INSERT INTO tickets(id, customer_id, subject, status, opened_at, updated_at, solved_at) VALUES (?, ?, 'Help', ?, ?, ?, ?)
                    """, arguments: ["T\(i)", "C\(i)", status, stamp(-200), updated, status == "solved" || status == "closed" ? updated : nil])
            }
        }
    }

    static let rules = """
        [[rules]]
        name = "birthday"
        kind = "birthday"
        channel = "email"
        template = "birthday"
        send_at = "09:00"
        priority = 30
        [[rules]]
        name = "follow_up"
        kind = "unresolved_ticket"
        channel = "email"
        template = "unresolved_ticket"
        after = "24h"
        repeat_every = "20h"
        max_repeats = 2
        priority = 40
        [[rules]]
        name = "survey"
        kind = "satisfaction_survey"
        channel = "email"
        template = "satisfaction_survey"
        after = "1d"
        send_at = "10:30"
        priority = 20
        [[rules]]
        name = "check_in"
        kind = "post_purchase"
        channel = "email"
        template = "post_purchase"
        after = "2d"
        min_amount = 50
        skip_if_open_ticket = true
        priority = 10
        [[rules]]
        name = "we_miss_you"
        kind = "inactive"
        channel = "email"
        template = "inactive"
        tier = "gold"
        after = "9d"
        priority = 5
        """

    /// The outbox rows that say what was decided, in key order.
    static func rows(_ ledger: SQLiteLedger) throws -> [String] {
        try ledger.reading { db in
            try Row.fetchAll(db, sql: """
                SELECT key, rule, customer_id, recipient, subject, body, state, due_at, deadline, queued_at, last_error FROM outbox ORDER BY key
                """).map { $0.description }
        }
    }

    /// Sends everything queued, the same way in each ledger (the cap counts what was sent).
    static func deliver(_ ledger: SQLiteLedger, at now: Date) throws {
        for item in try ledger.claim(now: now, limit: 1000) {
            try ledger.record(item, .sent(reply: "ok"), now: now)
        }
    }

    @Test func testTicksPlanningWhatIsNewQueueExactlyWhatFullEvaluationsQueue() throws {
        let folder = TemporaryFolder()
        let config = try makeDeployment(in: folder, rules: Self.rules, schedule: """
            timezone = "Europe/Budapest"
            send_window = "08:00-21:00"
            max_per_customer = "1/24h"
            """)
        let start = at("2026-03-27T06:00:00Z")  // over Europe's and the US's DST weekends
        let writer = try SQLiteCustomerStore.create(path: folder.file("customers.db"))
        try Self.seed(writer, around: start)
        let (configuration, templates) = try Outreach.loadDefinitions(configFile: config)
        let incrementalLedger = try SQLiteLedger(path: folder.file("incremental.db"), access: .create)
        let fullLedger = try SQLiteLedger(path: folder.file("full.db"), access: .create)
        // What `outreachd suppress` would do: another connection to the incremental daemon's ledger.
        let operatorLedger = try SQLiteLedger(path: folder.file("incremental.db"), access: .write)
        let incremental = Outreach(configuration: configuration, templates: templates,
                                   store: try SQLiteCustomerStore(path: folder.file("customers.db")), ledger: incrementalLedger)
        let full = Outreach(configuration: configuration, templates: templates,
                            store: try SQLiteCustomerStore(path: folder.file("customers.db")), ledger: fullLedger)

        var memory: EvaluationMemory?
        var now = start
        var seed: UInt64 = 2026
        var counts = (incremental: 0, full: 0, due: 0)
        for step in 0..<400 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // Mostly a minute to a quarter hour; now and then hours, once a day and a half (a daemon asleep).
            let gap: Double = step == 200 ? 36 * 3600 : (seed >> 33) % 23 == 0 ? Double((seed >> 20) % 5 + 1) * 3600 : Double((seed >> 40) % 900 + 60)
            // Fractions of a second, as a daemon's clock gives them (lookbacks round up to whole seconds).
            now = now.addingTimeInterval(gap + Double((seed >> 8) % 1000) / 1000)
            switch step {
            case 40:  // a purchase backdated into the check-in window
                try writer.write { db in
                    try db.execute(sql: "INSERT INTO purchases VALUES ('P-late', 'C3', ?, 120, 'HUF', 'kettle')",
                                   arguments: [Timestamp.format(now.addingTimeInterval(-2 * 86_400 - 1800), in: TimeZone(identifier: "UTC")!)])
                }
            case 80:  // a solved ticket reopened: its survey must not go, a follow-up may
                try writer.write { db in
                    try db.execute(sql: "UPDATE tickets SET status = 'open', solved_at = NULL, updated_at = ? WHERE status IN ('solved', 'closed')",
                                   arguments: [Timestamp.format(now.addingTimeInterval(-30 * 3600), in: TimeZone(identifier: "UTC")!)])
                }
            case 120:  // consent given, and a customer moved to the other side of the world
                try writer.write { db in
                    try db.execute(sql: "UPDATE customers SET opted_out = 0")
                    try db.execute(sql: "UPDATE customers SET timezone = 'Pacific/Kiritimati' WHERE id = 'C2'")
                }
            case 160:
                for i in 0..<48 where i % 3 == 0 {
                    try operatorLedger.suppress("c\(i)@example.com", reason: "bounced", now: now)
                    try fullLedger.suppress("c\(i)@example.com", reason: "bounced", now: now)
                }
            case 240:
                for i in 0..<48 where i % 6 == 0 {
                    try operatorLedger.unsuppress("c\(i)@example.com")
                    try fullLedger.unsuppress("c\(i)@example.com")
                }
            case 300:
                memory = nil  // a restart
            default:
                break
            }
            let a = try incremental.queueDue(at: now, into: incrementalLedger, logger: Self.logger, memory: &memory)
            let b = try full.queueDue(at: now, into: fullLedger, logger: Self.logger)
            #expect(!b.incremental)
            if a.incremental { counts.incremental += 1 } else { counts.full += 1 }
            counts.due += b.due
            #expect((a.due, a.queued, a.expired, a.failed) == (b.due, b.queued, b.expired, b.failed), "step \(step) at \(now)")
            try Self.deliver(incrementalLedger, at: now)
            try Self.deliver(fullLedger, at: now)
            let (x, y) = (try Self.rows(incrementalLedger), try Self.rows(fullLedger))
            guard x == y else {
                Issue.record("step \(step) at \(now): the ledgers differ: \(Set(x).symmetricDifference(Set(y)).sorted())")
                return
            }
        }
        // The run must have exercised both paths and sent a good deal.
        #expect(counts.incremental > 250, "\(counts)")
        #expect(counts.full >= 6, "\(counts)")
        #expect(counts.due > 60, "\(counts)")
        #expect(try Self.rows(fullLedger).contains { $0.contains("expired") }, "nothing expired: the run did not test lateness")
    }

    @Test func testAStoreWrittenByAnotherConnectionMakesTheNextTickEvaluateEverything() throws {
        let folder = TemporaryFolder()
        let config = try makeDeployment(in: folder, rules: Self.rules)
        let start = at("2026-06-10T08:00:00Z")
        let writer = try SQLiteCustomerStore.create(path: folder.file("customers.db"))
        try Self.seed(writer, around: start)
        let (configuration, templates) = try Outreach.loadDefinitions(configFile: config)
        let ledger = try SQLiteLedger(path: folder.file("state.db"), access: .write)
        let outreach = Outreach(configuration: configuration, templates: templates,
                                store: try SQLiteCustomerStore(path: folder.file("customers.db")), ledger: ledger)
        var memory: EvaluationMemory?
        #expect(try !outreach.queueDue(at: start, into: ledger, logger: Self.logger, memory: &memory).incremental)
        #expect(try outreach.queueDue(at: start.addingTimeInterval(60), into: ledger, logger: Self.logger, memory: &memory).incremental)
        try writer.write { db in try db.execute(sql: "UPDATE customers SET name = 'Renamed' WHERE id = 'C1'") }
        #expect(try !outreach.queueDue(at: start.addingTimeInterval(120), into: ledger, logger: Self.logger, memory: &memory).incremental)
        #expect(try outreach.queueDue(at: start.addingTimeInterval(180), into: ledger, logger: Self.logger, memory: &memory).incremental)
        // Past the horizon: everything again.
        let later = start.addingTimeInterval(180 + Outreach.evaluationHorizon.timeInterval + 1)
        #expect(try !outreach.queueDue(at: later, into: ledger, logger: Self.logger, memory: &memory).incremental)
    }
}
