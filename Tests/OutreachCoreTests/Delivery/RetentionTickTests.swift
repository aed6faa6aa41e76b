import Foundation
import Logging
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// `[state] retain` as the daemon applies it: each tick erases what finished longer ago, and an
/// erased row still keeps its occurrence from going out again.
@Suite struct RetentionTickTests {
    let now = DeliveryDeployment.now

    var logger: Logger {
        var l = Logger(label: "outreachd-test")
        l.logLevel = .warning
        return l
    }

    /// A Maildir deployment of the three birthday customers, with `retain` under `[state]` when given.
    func deployment(retain: String?) throws -> DeliveryDeployment {
        let d = try DeliveryDeployment(channel: MaildirChannelTests.channel, customers: DeliveryCustomers.three)
        if let retain {
            let text = try String(contentsOfFile: d.config, encoding: .utf8)
            try text.replacingOccurrences(of: "url = \"sqlite:state.db\"", with: "url = \"sqlite:state.db\"\nretain = \"\(retain)\"")
                .write(toFile: d.config, atomically: true, encoding: .utf8)
        }
        return d
    }

    func tick(_ delivery: Outreach.Delivery, at time: Date) throws -> Tick.Report {
        try Tick(delivery: delivery, clock: FixedClock(time), logger: logger).run()
    }

    @Test func testATickErasesRowsFinishedLongerThanRetainAgo() throws {
        let d = try deployment(retain: "30d")
        let delivery = try Outreach.openForDelivery(configFile: d.config, environment: [:])
        #expect(delivery.outreach.configuration.retain == TimeSpan.days(30))
        let first = try tick(delivery, at: now)
        #expect(first.delivered.sent == 3 && first.erased == 0)

        let within = try tick(delivery, at: now.addingTimeInterval(TimeSpan.days(29).timeInterval))
        #expect(within.erased == 0)
        #expect(try d.rows().allSatisfy { $0.state == .sent && !$0.body.isEmpty && $0.recipient.contains("@") && $0.erasedAt == nil })

        let later = now.addingTimeInterval(TimeSpan.days(31).timeInterval)
        let after = try tick(delivery, at: later)
        #expect(after.erased == 3)
        let rows = try d.rows()
        #expect(rows.map(\.key) == ["birthday:C-HU:2026", "birthday:C-SV:2026", "birthday:C-TH:2026"])
        for row in rows {
            #expect(row.state == .sent && row.erasedAt == later, "\(row.key)")
            #expect(row.body.isEmpty && row.recipient.isEmpty && row.recipientName == nil && row.subject == nil && row.customerJSON == "{}", "\(row.key)")
            #expect(row.queuedAt == now, "\(row.key): its times stay")
        }
    }

    @Test func testRetainDefaultsToNinetyDays() throws {
        let d = try deployment(retain: nil)
        let delivery = try Outreach.openForDelivery(configFile: d.config, environment: [:])
        #expect(delivery.outreach.configuration.retain == TimeSpan.days(90))
        _ = try tick(delivery, at: now)
        #expect(try tick(delivery, at: now.addingTimeInterval(TimeSpan.days(89).timeInterval)).erased == 0)
        #expect(try tick(delivery, at: now.addingTimeInterval(TimeSpan.days(91).timeInterval)).erased == 3)
    }

    @Test func testAnErasedRowStillKeepsItsOccurrenceFromGoingOutAgain() throws {
        let d = try deployment(retain: nil)
        let delivery = try Outreach.openForDelivery(configFile: d.config, environment: [:])
        #expect(try tick(delivery, at: now).delivered.sent == 3)
        let files = try FileManager.default.contentsOfDirectory(atPath: d.folder.file("Maildir/new"))
        // Erase everything at once, while the birthdays are still within their lateness window.
        #expect(try delivery.ledger.eraseFinished(before: now.addingTimeInterval(1), now: now.addingTimeInterval(1)) == 3)
        let again = try tick(delivery, at: now.addingTimeInterval(600))
        #expect(again.queued.due == 0 && again.delivered.sent == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: d.folder.file("Maildir/new")).count == files.count)
    }
}
