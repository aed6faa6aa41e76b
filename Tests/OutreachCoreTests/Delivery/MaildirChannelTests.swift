import Foundation
import Logging
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Delivery into a Maildir channel, end to end: files in `new/`, written through `tmp/`, strictly parseable.
@Suite struct MaildirChannelTests {
    let now = DeliveryDeployment.now

    static let channel = """
        kind = "maildir"
        path = "Maildir"
        from = "Care <care@example.com>"
        concurrency = 2
        """

    func files(_ d: DeliveryDeployment, _ sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: d.folder.file("Maildir/\(sub)"))) ?? []).sorted()
    }

    var logger: Logger {
        var l = Logger(label: "outreachd-test")
        l.logLevel = .warning
        return l
    }

    @Test func testEachMessageIsOneFileInNewThatParsesStrictly() throws {
        let d = try DeliveryDeployment(channel: Self.channel, customers: DeliveryCustomers.three)
        let expected = try d.rendered()
        let tick = try d.tick()
        #expect(tick.delivered.sent == 3, "\(tick.delivered)")

        let names = files(d, "new")
        #expect(names.count == 3)
        #expect(files(d, "tmp").isEmpty, "tmp/ holds \(files(d, "tmp"))")
        #expect(files(d, "cur").isEmpty)
        for name in names {
            #expect(name.range(of: #"^[0-9]+\.[0-9a-f]{24}\.outreachd$"#, options: .regularExpression) != nil, "\(name)")
            #expect(!name.contains(":") && !name.contains("/"))
        }
        let parsed = try StrictParser.parse(files: names.map { d.folder.file("Maildir/new/\($0)") })
        let rows = try d.rows()
        #expect(rows.count == 3)
        for row in rows {
            #expect(row.state == .sent, "\(row.key): \(row.state) \(row.lastError ?? "")")
            let reply = try #require(row.reply)
            #expect(reply.hasPrefix("new/"), "\(reply)")
            let name = String(reply.dropFirst(4))
            let index = try #require(names.firstIndex(of: name), "the ledger names \(reply), which is not in new/")
            expectMessage(parsed[index], as: row, at: now)
            let message = try #require(expected[row.key])
            #expect(parsed[index].value("Subject") == message.subject)
            #expect(parsed[index].body == expectedWireBody(message.body))
        }
    }

    @Test func testDeliveringTheSameKeyAgainReplacesTheFile() throws {
        let d = try DeliveryDeployment(channel: Self.channel, customers: DeliveryCustomers.three)
        // A run that wrote one message and died before recording it.
        var first: OutboxItem?
        do {
            let delivery = try Outreach.openForDelivery(configFile: d.config, environment: [:])
            let (outreach, ledger) = (delivery.outreach, delivery.ledger)
            try outreach.queueDue(at: now, into: ledger, logger: logger)
            let claimed = try ledger.claim(now: now, limit: 1)
            try #require(claimed.count == 1)
            first = claimed[0]
            let sender = try #require(try outreach.makeChannels(environment: [:])["email"]).makeSender()
            guard case .sent = sender.send(claimed[0], now: now) else { Issue.record("the first attempt failed"); return }
        }
        let item = try #require(first)
        let before = files(d, "new")
        #expect(before.count == 1)

        let later = now.addingTimeInterval(60)
        let tick = try d.tick(at: later)
        #expect(tick.recovered == 1)
        #expect(tick.delivered.sent == 3)
        let after = files(d, "new")
        #expect(after.count == 3, "\(after)")
        #expect(after.contains(before[0]), "the resent message got another name")
        #expect(files(d, "tmp").isEmpty)
        let row = try #require(try tick.ledger.item(key: item.key))
        #expect(row.reply == "new/\(before[0])")
        // The file now holds the resend (same Message-ID, the later Date).
        let parsed = try #require(try StrictParser.parse(files: [d.folder.file("Maildir/new/\(before[0])")]).first)
        expectMessage(parsed, as: row, at: later)

        // Sending the same item yet again (directly) still leaves one file under that name.
        let outreach = try Outreach.open(configFile: d.config)
        let sender = try #require(try outreach.makeChannels(environment: [:])["email"]).makeSender()
        #expect(sender.send(row, now: later) == .sent(reply: "new/\(before[0])"))
        #expect(files(d, "new") == after)
        #expect(files(d, "tmp").isEmpty)
    }

    @Test func testLedgerStatesFollowTheDelivery() throws {
        let evil = Customer(id: "C-EVIL", name: "Eve\r\nBcc: evil@example.com", email: "eve@example.com", locale: "en",
                            timezone: "Europe/London", birthday: "1970-11-23")
        let d = try DeliveryDeployment(channel: Self.channel, customers: [DeliveryCustomers.hungarian, DeliveryCustomers.thai, evil])
        let delivery = try Outreach.openForDelivery(configFile: d.config, environment: [:])
        let (outreach, ledger) = (delivery.outreach, delivery.ledger)
        let report = try outreach.queueDue(at: now, into: ledger, logger: logger)
        #expect(report.queued == 3)
        #expect(try d.rows().allSatisfy { $0.state == .queued && $0.attempts == 0 })
        #expect(files(d, "new").isEmpty, "something was delivered before being queued")

        let claimed = try ledger.claim(now: now, limit: 10)
        #expect(claimed.count == 3)
        #expect(try d.rows().allSatisfy { $0.state == .sending && $0.attempts == 1 })
        try ledger.release(claimed, now: now)
        #expect(try d.rows().allSatisfy { $0.state == .queued && $0.attempts == 0 })

        let deliverer = Deliverer(ledger: ledger, channels: try outreach.makeChannels(environment: [:]), clock: FixedClock(now), logger: logger)
        let delivered = try deliverer.deliverDue()
        #expect(delivered.sent == 2)
        #expect(delivered.failed == 1)
        let rows = Dictionary(uniqueKeysWithValues: try d.rows().map { ($0.key, $0) })
        #expect(rows["birthday:C-HU:2026"]?.state == .sent)
        #expect(rows["birthday:C-TH:2026"]?.state == .sent)
        let failed = try #require(rows["birthday:C-EVIL:2026"])
        #expect(failed.state == .failed)
        #expect(failed.lastError?.contains("To") == true, "\(failed.lastError ?? "")")
        #expect(files(d, "new").count == 2)
        #expect(try ledger.pendingCount() == 0)
    }

    @Test func testUnwritableMaildirIsRetriedNotLost() throws {
        let d = try DeliveryDeployment(channel: Self.channel, customers: [DeliveryCustomers.swedish])
        // The folder breaks after start-up (a start-up with it broken is refused: see below).
        let delivery = try Outreach.openForDelivery(configFile: d.config, environment: [:])
        d.folder.write("Maildir", "a file where the folder should be\n")
        let report = try Tick(delivery: delivery, clock: FixedClock(now), logger: logger).run()
        #expect(report.delivered.retrying == 1, "\(report.delivered)")
        let row = try #require(try d.rows().first)
        #expect(row.state == .retry)
        #expect(row.nextAttemptAt == now.addingTimeInterval(300))
        #expect(row.lastError.map { !$0.isEmpty } == true)
        // Starting with the folder still broken is refused, naming it, and loses nothing.
        #expect { try d.tick(at: now.addingTimeInterval(300)) } throws: { "\($0)".contains(d.folder.file("Maildir")) && "\($0)".contains("not a folder") }
        #expect(try d.rows().first?.state == .retry)

        try FileManager.default.removeItem(atPath: d.folder.file("Maildir"))
        let later = try d.tick(at: now.addingTimeInterval(300))
        #expect(later.delivered.sent == 1)
        #expect(files(d, "new").count == 1)
        #expect(try d.rows().first?.state == .sent)
    }
}
