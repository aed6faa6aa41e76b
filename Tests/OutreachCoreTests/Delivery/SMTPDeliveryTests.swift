import Foundation
import GRDB
import Logging
import OutreachTestSupport
import Testing
@testable import OutreachCore

// MARK: - A deployment on disk, run the way `outreachd run --once` runs it

/// Customers in Hungarian, Swedish and Thai whose birthdays are due at ``DeliveryDeployment/now``.
enum DeliveryCustomers {
    static let hungarian = Customer(id: "C-HU", name: "Kovács Éva", email: "eva.kovacs@example.hu", locale: "hu",
                                    timezone: "Europe/Budapest", birthday: "1980-11-23")
    static let swedish = Customer(id: "C-SV", name: "Åsa Öberg", email: "asa.oberg@example.se", locale: "sv-SE",
                                  timezone: "Europe/Stockholm", birthday: "--11-23")
    static let thai = Customer(id: "C-TH", name: "สมหญิง ใจดี", email: "somying@example.co.th", locale: "th",
                               timezone: "Asia/Bangkok", birthday: "1990-11-23")
    static let three = [hungarian, swedish, thai]

    /// `count` more customers (English) with a birthday due now.
    static func extra(_ count: Int) -> [Customer] {
        (0..<count).map { Customer(id: "C-EN\($0)", name: "Customer Number\($0)", email: "customer\($0)@example.com", locale: "en",
                                   timezone: "Europe/London", birthday: "1975-11-23") }
    }

    static func birthdayKey(_ c: Customer) -> String { "birthday:\(c.id):2026" }
}

/// What one tick did.
struct TickOutcome {
    var recovered: Int
    var queued: Outreach.QueueReport
    var delivered: Deliverer.Report
    var expired: Int
    var ledger: any Ledger
    var outreach: Outreach
}

/// A configuration folder (config, templates, store, state) for end-to-end delivery.
final class DeliveryDeployment {
    /// Monday 23 November 2026, 11:00 in Budapest: every birthday of ``DeliveryCustomers`` is due.
    static let now = at("2026-11-23T10:00:00Z")

    let folder = TemporaryFolder()
    let config: String

    static let rules = """
        [[rules]]
        name = "birthday"
        kind = "birthday"
        channel = "email"
        template = "birthday"
        send_at = "09:00"
        priority = 10

        [[rules]]
        name = "ticket_follow_up"
        kind = "unresolved_ticket"
        channel = "email"
        template = "unresolved_ticket"
        after = "48h"
        priority = 20
        """

    /// `channel` is the whole `[channels.email]` table.
    init(channel: String, customers: [Customer], purchases: [Purchase] = [], tickets: [Ticket] = [], extra: String = "") throws {
        try FileManager.default.copyItem(atPath: ServerProcess.root + "/templates", toPath: folder.file("templates"))
        _ = try makeStore(in: folder, customers: customers, purchases: purchases, tickets: tickets)
        _ = try SQLiteLedger(path: folder.file("state.db"), access: .create)
        config = folder.write("outreachd.toml", """
            [store]
            url = "sqlite:customers.db"
            [state]
            url = "sqlite:state.db"
            [schedule]
            timezone = "Europe/Budapest"
            [company]
            name = "Example Kft."
            \(extra)
            [channels.email]
            \(channel)

            \(Self.rules)
            """)
    }

    /// An SMTP channel table for `port`.
    static func smtpChannel(port: Int, concurrency: Int = 2, more: String = "") -> String {
        """
        kind = "smtp"
        url = "smtp://127.0.0.1:\(port)"
        tls = "none"
        from = "Care <care@example.com>"
        concurrency = \(concurrency)
        connect_timeout = "5s"
        command_timeout = "5s"
        data_timeout = "10s"
        \(more)
        """
    }

    /// One tick as `run --once` does it: recover, queue, deliver, expire.
    @discardableResult
    func tick(at now: Date = DeliveryDeployment.now) throws -> TickOutcome {
        var logger = Logger(label: "outreachd-test")
        logger.logLevel = .warning
        let delivery = try Outreach.openForDelivery(configFile: config, environment: [:])
        let recovered = try delivery.ledger.recoverInterrupted(now: now)
        let report = try Tick(delivery: delivery, clock: FixedClock(now), logger: logger).run()
        return TickOutcome(recovered: recovered, queued: report.queued, delivered: report.delivered, expired: report.expiredInLedger,
                           ledger: delivery.ledger, outreach: delivery.outreach)
    }

    /// The due messages as rendered before any tick (read-only open), by key.
    func rendered(at now: Date = DeliveryDeployment.now) throws -> [String: RenderedMessage] {
        let outreach = try Outreach.open(configFile: config)
        var result: [String: RenderedMessage] = [:]
        for entry in try outreach.plan(at: now).due {
            if let message = try? outreach.render(entry) { result[entry.occurrence.key] = message }
        }
        return result
    }

    func ledger() throws -> SQLiteLedger { try SQLiteLedger(path: folder.file("state.db"), access: .write) }

    func rows() throws -> [OutboxItem] {
        let ledger = try self.ledger()
        return try ledger.reading { db in try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY key").map(ledger.item) }
    }
}

/// What the SMTP fixture recorded.
struct ReceivedMessage {
    struct Envelope: Decodable {
        var mailFrom: String
        var rcptTos: [String]
        var session: Int
        var receivedAt: Double
        var smtpUTF8: Bool
        enum CodingKeys: String, CodingKey { case mailFrom = "mail_from", rcptTos = "rcpt_tos", session, receivedAt = "received_at", smtpUTF8 = "smtp_utf8" }
    }

    var number: Int
    var raw: Data
    var envelope: Envelope
    var parsed: ParsedMessage

    var key: String? { parsed.value("X-Outreach-Key") }
}

extension ServerProcess {
    /// Starts `smtp_server.py` on its own spool in `folder`.
    static func smtp(in folder: TemporaryFolder, _ arguments: [String] = []) throws -> ServerProcess {
        try ServerProcess(script: "smtp_server.py", spool: folder.file("spool"), arguments: arguments)
    }

    /// Every message received, in order, parsed strictly.
    func received() throws -> [ReceivedMessage] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
        let numbers = names.filter { $0.hasSuffix(".eml") }.compactMap { Int($0.dropLast(4)) }.sorted()
        let parsed = try StrictParser.parse(files: numbers.map { "\(spool)/\($0).eml" })
        return try numbers.enumerated().map { i, n in
            let raw = try Data(contentsOf: URL(fileURLWithPath: "\(spool)/\(n).eml"))
            let envelope = try JSONDecoder().decode(ReceivedMessage.Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: "\(spool)/\(n).json")))
            return ReceivedMessage(number: n, raw: raw, envelope: envelope, parsed: parsed[i])
        }
    }

    /// events.jsonl, one dictionary per line.
    func events(_ kind: String? = nil) -> [[String: Any]] {
        guard let data = FileManager.default.contents(atPath: spool + "/events.jsonl") else { return [] }
        return data.split(separator: UInt8(ascii: "\n")).compactMap { try? JSONSerialization.jsonObject(with: Data($0)) as? [String: Any] }
            .filter { kind == nil || $0["kind"] as? String == kind }
    }
}

/// The body as it must arrive: the rendered text with CRLF line ends and a final line end.
func expectedWireBody(_ body: String) -> String {
    var b = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
    if !b.hasSuffix("\r\n") { b += "\r\n" }
    return b
}

/// Every property of a received message that the ledger row `item`, attempted at `date`, fixes.
func expectDelivered(_ m: ReceivedMessage, as item: OutboxItem, at date: Date, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(m.envelope.mailFrom == "care@example.com", sourceLocation: sourceLocation)
    #expect(m.envelope.rcptTos == [item.recipient], "\(item.key): exactly one recipient", sourceLocation: sourceLocation)
    #expect(!m.envelope.smtpUTF8, sourceLocation: sourceLocation)
    expectMessage(m.parsed, as: item, at: date, sourceLocation: sourceLocation)
}

/// Every header and the body of a message that the ledger row `item`, attempted at `date`, fixes.
func expectMessage(_ p: ParsedMessage, as item: OutboxItem, at date: Date, sourceLocation: SourceLocation = #_sourceLocation) {
    p.expectWellFormed(item.key, sourceLocation: sourceLocation)
    #expect(p.addresses?["to"]?.count == 1, sourceLocation: sourceLocation)
    #expect(p.address("To")?.addrSpec == item.recipient, sourceLocation: sourceLocation)
    #expect(p.address("To")?.displayName == item.recipientName, "\(item.key): To name", sourceLocation: sourceLocation)
    #expect(p.address("From")?.addrSpec == "care@example.com", sourceLocation: sourceLocation)
    #expect(p.address("From")?.displayName == "Care", sourceLocation: sourceLocation)
    #expect(p.value("Subject") == item.subject, "\(item.key): Subject", sourceLocation: sourceLocation)
    #expect(p.body == expectedWireBody(item.body), "\(item.key): body differs", sourceLocation: sourceLocation)
    #expect(p.value("Message-ID") == EmailMessage.messageID(key: item.key, domain: "example.com"), sourceLocation: sourceLocation)
    #expect(p.value("Date") == EmailMessage.rfc5322Date(date), sourceLocation: sourceLocation)
    #expect(p.value("X-Outreach-Key") == item.key, sourceLocation: sourceLocation)
    #expect(p.value("X-Outreach-Rule") == item.rule, sourceLocation: sourceLocation)
    for line in ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: quoted-printable",
                 "Auto-Submitted: auto-generated"] {
        #expect(p.rawHeaderLines.contains(line), "\(item.key): no \(line)", sourceLocation: sourceLocation)
    }
    for name in ["Bcc", "Cc", "Reply-To"] { #expect(p.values(name).isEmpty, sourceLocation: sourceLocation) }
}

// MARK: - Certificates

/// A throwaway CA and a server certificate for 127.0.0.1 (IP SAN), made with the openssl CLI.
struct TestCertificates {
    var caFile: String
    var certFile: String
    var keyFile: String

    static func openssl(_ arguments: [String], in folder: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder)
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw StrictParser.Failure(description: "openssl \(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
    }

    /// A CA named `name` in `folder`, and (if `server`) a certificate for 127.0.0.1 it signs.
    static func make(in folder: TemporaryFolder, name: String) throws -> TestCertificates {
        let dir = folder.file("tls-\(name)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=outreachd test CA \(name)",
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], in: dir)
        try openssl(["req"] + ec + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1"], in: dir)
        try "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n"
            .write(toFile: dir + "/server.ext", atomically: true, encoding: .utf8)
        try openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem",
                     "-days", "2", "-extfile", "server.ext"], in: dir)
        return TestCertificates(caFile: dir + "/ca.pem", certFile: dir + "/server.pem", keyFile: dir + "/server.key")
    }
}

// MARK: - The suite

@Suite struct SMTPDeliveryTests {
    let now = DeliveryDeployment.now

    @Test func testDeliversEveryMessageAsRenderedAndRecordsIt() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port), customers: DeliveryCustomers.three)
        let expected = try d.rendered()
        #expect(Set(expected.keys) == Set(DeliveryCustomers.three.map(DeliveryCustomers.birthdayKey)))

        let tick = try d.tick()
        #expect(tick.queued.queued == 3)
        #expect(tick.delivered == { var r = Deliverer.Report(); r.sent = 3; return r }())

        let received = try server.received()
        #expect(received.count == 3)
        let rows = try d.rows()
        #expect(rows.count == 3)
        for row in rows {
            #expect(row.state == .sent, "\(row.key): \(row.state) \(row.lastError ?? "")")
            #expect(row.attempts == 1)
            #expect(row.reply?.contains("250") == true, "\(row.reply ?? "")")
            #expect(row.nextAttemptAt == nil)
            // The ledger holds exactly what the templates render.
            let message = try #require(expected[row.key])
            #expect(row.subject == message.subject)
            #expect(row.body == message.body)
            let customer = try #require(DeliveryCustomers.three.first { $0.id == row.customerID })
            #expect(row.recipient == customer.email)
            #expect(row.recipientName == customer.name)

            let copies = received.filter { $0.key == row.key }
            try #require(copies.count == 1, "\(row.key) received \(copies.count) times")
            expectDelivered(copies[0], as: row, at: now)
            #expect(copies[0].parsed.value("Subject") == message.subject)
            #expect(copies[0].parsed.body == expectedWireBody(message.body))
        }
        // Non-ASCII subjects travel as encoded words, never as 8-bit header bytes.
        for m in received {
            let subjectLine = try #require(m.parsed.rawHeaderLines.first { $0.hasPrefix("Subject:") })
            #expect(subjectLine.contains("=?utf-8?B?"), "\(subjectLine)")
        }
    }

    @Test func testTemporaryRefusalIsRetriedAfterFiveMinutesAndNothingIsLostOrDuplicated() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder, ["--reply-rcpt", "451:4.7.1 Greylisted please try again later:asa.oberg", "--fail-times", "1"])
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port), customers: DeliveryCustomers.three)
        let swedishKey = DeliveryCustomers.birthdayKey(DeliveryCustomers.swedish)

        let first = try d.tick()
        #expect(first.delivered.sent == 2)
        #expect(first.delivered.retrying == 1)
        let waiting = try #require(try first.ledger.item(key: swedishKey))
        #expect(waiting.state == .retry)
        #expect(waiting.attempts == 1)
        #expect(waiting.nextAttemptAt == now.addingTimeInterval(300))
        #expect(waiting.lastError?.contains("451") == true, "\(waiting.lastError ?? "")")
        #expect(waiting.lastError?.contains("Greylisted please try again later") == true, "\(waiting.lastError ?? "")")
        #expect(server.receivedCount == 2)
        #expect(try server.received().allSatisfy { $0.key != swedishKey })

        // Not due yet four minutes later.
        let early = try d.tick(at: now.addingTimeInterval(240))
        #expect(early.delivered.attempted == 0)
        #expect(server.receivedCount == 2)

        let later = now.addingTimeInterval(300)
        let second = try d.tick(at: later)
        #expect(second.delivered.sent == 1)
        #expect(second.queued.queued == 0)
        let sent = try #require(try second.ledger.item(key: swedishKey))
        #expect(sent.state == .sent)
        #expect(sent.attempts == 2)

        let received = try server.received()
        #expect(received.count == 3)
        #expect(Set(received.compactMap(\.key)) == Set(DeliveryCustomers.three.map(DeliveryCustomers.birthdayKey)))
        #expect(received.compactMap(\.key).count == 3, "a key was received twice")
        let retried = try #require(received.first { $0.key == swedishKey })
        expectDelivered(retried, as: sent, at: later)
        #expect(try d.rows().allSatisfy { $0.state == .sent })
    }

    @Test func testARefusalThatOnlyMentionsFiveOneOneIsNotANoSuchMailbox() throws {
        let folder = TemporaryFolder()
        // 5.7.1 (policy) whose free text happens to say 5.1.1: permanent, but the address stays usable.
        let server = try ServerProcess.smtp(in: folder, ["--reply-rcpt", "550:5.7.1 Rejected by policy (not 5.1.1 no such user):somying"])
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port), customers: DeliveryCustomers.three)
        let tick = try d.tick()
        #expect(tick.delivered.failed == 1)
        let failed = try #require(try tick.ledger.item(key: DeliveryCustomers.birthdayKey(DeliveryCustomers.thai)))
        #expect(failed.state == .failed)
        #expect(failed.failureClass == .permanent)
        #expect(try tick.ledger.suppressions().isEmpty, "a policy refusal suppressed the address")
        #expect(try tick.ledger.metrics(now: now).problemsByClass == ["permanent": 1])
    }

    @Test func testNoSuchMailboxFailsForGoodAndSuppressesTheAddress() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder, ["--reply-rcpt", "550:5.1.1 No such user here:somying"])
        defer { server.stop() }
        // Tickets whose follow-ups fall due an hour later: one for the Thai customer, one for the Swedish.
        let tickets = [
            Ticket(id: "T1", customerID: "C-TH", subject: "เครื่องพิมพ์เสีย", status: "open", openedAt: "2026-11-20T09:00:00Z", updatedAt: "2026-11-21T11:00:00Z"),
            Ticket(id: "T2", customerID: "C-SV", subject: "Fakturan", status: "open", openedAt: "2026-11-20T09:00:00Z", updatedAt: "2026-11-21T11:00:00Z"),
        ]
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port), customers: DeliveryCustomers.three, tickets: tickets)
        let thaiKey = DeliveryCustomers.birthdayKey(DeliveryCustomers.thai)

        let first = try d.tick()
        #expect(first.delivered.sent == 2)
        #expect(first.delivered.failed == 1)
        let failed = try #require(try first.ledger.item(key: thaiKey))
        #expect(failed.state == .failed)
        #expect(failed.lastError?.contains("550") == true, "\(failed.lastError ?? "")")
        #expect(failed.lastError?.contains("5.1.1 No such user here") == true, "\(failed.lastError ?? "")")
        #expect(failed.nextAttemptAt == nil)
        #expect(failed.failureClass == .noSuchMailbox)
        let suppressed = try first.ledger.suppressions().map(\.address)
        #expect(suppressed == ["somying@example.co.th"])
        #expect(try first.ledger.metrics(now: now).problemsByClass == ["no_such_mailbox": 1])
        #expect(server.receivedCount == 2)
        #expect(server.events("rcpt_refused").count == 1)

        // An hour later both follow-ups are due: the Swedish one goes, the suppressed address gets nothing.
        let second = try d.tick(at: now.addingTimeInterval(3600))
        #expect(second.delivered.sent == 1, "\(second.delivered)")
        let received = try server.received()
        #expect(received.count == 3)
        #expect(received.last?.key == "unresolved_ticket:T2:1")
        #expect(received.allSatisfy { !$0.envelope.rcptTos.contains("somying@example.co.th") })
        #expect(server.events("rcpt_refused").count == 1, "the suppressed address was tried again")
        if let row = try second.ledger.item(key: "unresolved_ticket:T1:1") {
            #expect(row.state == .failed, "a suppressed address's message is \(row.state)")
        }
        // Failed is final: later ticks do not try the birthday again either.
        try d.tick(at: now.addingTimeInterval(7200))
        #expect(server.events("rcpt_refused").count == 1)
        #expect(try first.ledger.item(key: thaiKey)?.attempts == 1)
    }

    @Test func testConnectionDroppedDuringDataIsRetried() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder, ["--drop-data", "eva.kovacs"])
        defer { server.stop() }
        // One worker: the message after the dropped one needs a new connection on the same handle.
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port, concurrency: 1), customers: DeliveryCustomers.three)
        let key = DeliveryCustomers.birthdayKey(DeliveryCustomers.hungarian)

        let first = try d.tick()
        #expect(server.events("dropped").count == 1)
        #expect(first.delivered.sent == 2, "\(first.delivered)")
        #expect(first.delivered.retrying == 1)
        let row = try #require(try first.ledger.item(key: key))
        #expect(row.state == .retry)
        #expect(row.nextAttemptAt == now.addingTimeInterval(300))
        #expect(row.lastError.map { !$0.isEmpty } == true)
        #expect(try server.received().allSatisfy { $0.key != key })

        let later = now.addingTimeInterval(300)
        let second = try d.tick(at: later)
        #expect(second.delivered.sent == 1)
        let received = try server.received()
        #expect(received.compactMap(\.key).sorted() == DeliveryCustomers.three.map(DeliveryCustomers.birthdayKey).sorted())
        expectDelivered(try #require(received.first { $0.key == key }), as: try #require(try second.ledger.item(key: key)), at: later)
    }

    @Test func testConcurrencyIsBoundedByTheChannel() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder, ["--slow", "0.3"])
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port, concurrency: 2),
                                       customers: DeliveryCustomers.three + DeliveryCustomers.extra(3))
        let tick = try d.tick()
        #expect(tick.delivered.sent == 6)
        #expect(server.receivedCount == 6)
        let maxOpen = server.events("connect").compactMap { $0["max_open"] as? Int }.max() ?? 0
        #expect(maxOpen <= 2, "\(maxOpen) connections at once with concurrency 2")
        #expect(maxOpen > 1, "concurrency 2 never had two connections open")
        #expect(Set(try server.received().map(\.envelope.session)).count == 2, "two workers, two SMTP sessions")
    }

    @Test func testRateSpacesMessages() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port, concurrency: 2, more: "rate = \"5/s\""),
                                       customers: DeliveryCustomers.three + DeliveryCustomers.extra(2))
        let tick = try d.tick()
        #expect(tick.delivered.sent == 5)
        let times = server.events("message").compactMap { $0["t"] as? Double }.sorted()
        try #require(times.count == 5)
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
        // 5/s: sends start 0.2 s apart (unlimited, they would arrive milliseconds apart); arrivals jitter
        // with scheduling, so allow some slack on each gap and on the whole.
        for gap in gaps { #expect(gap >= 0.12, "messages \(String(format: "%.3f", gap)) s apart at 5/s: \(gaps)") }
        #expect(times.last! - times.first! >= 0.7, "\(gaps)")
    }

    @Test func testHeaderInjectionFromDataFailsTheMessageAndAddsNothing() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let evil = Customer(id: "C-EVIL", name: "Eve\r\nBcc: evil@example.com", email: "eve@example.com", locale: "en",
                            timezone: "Europe/London", birthday: "1970-11-23")
        let evilLF = Customer(id: "C-EVIL2", name: "Mallory\nBcc: evil@example.com", email: "mallory@example.com", locale: "en",
                              timezone: "Europe/London", birthday: "1970-11-23")
        let ticket = Ticket(id: "T9", customerID: "C-SV", subject: "Printer\r\nBcc: evil@example.com", status: "open",
                            openedAt: "2026-11-18T09:00:00Z", updatedAt: "2026-11-20T09:00:00Z")
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port),
                                       customers: [DeliveryCustomers.hungarian, DeliveryCustomers.swedish, evil, evilLF], tickets: [ticket])
        try d.tick()

        let rows = Dictionary(uniqueKeysWithValues: try d.rows().map { ($0.key, $0) })
        for key in ["birthday:C-EVIL:2026", "birthday:C-EVIL2:2026", "unresolved_ticket:T9:1"] {
            let row = try #require(rows[key], "\(key) not in the ledger: \(rows.keys.sorted())")
            #expect(row.state == .failed, "\(key) is \(row.state)")
            #expect(row.lastError.map { !$0.isEmpty } == true, "\(key) failed without a reason")
            #expect(row.lastError?.lowercased().contains("control character") == true || row.lastError?.lowercased().contains("line break") == true,
                    "\(key): \(row.lastError ?? "")")
        }
        #expect(rows["birthday:C-HU:2026"]?.state == .sent)
        #expect(rows["birthday:C-SV:2026"]?.state == .sent)

        let received = try server.received()
        #expect(received.count == 2)
        let allowed: Set<String> = ["from", "to", "subject", "date", "message-id", "mime-version", "content-type", "content-transfer-encoding",
                                    "auto-submitted", "x-outreach-rule", "x-outreach-key"]
        for m in received {
            #expect(m.envelope.rcptTos.count == 1)
            #expect(!m.envelope.rcptTos.contains { $0.contains("evil") })
            #expect(Set((m.parsed.headerNames ?? []).map { $0.lowercased() }).isSubset(of: allowed), "\(m.parsed.headerNames ?? [])")
            let text = String(decoding: m.raw, as: UTF8.self)
            #expect(!text.contains("evil@example.com"))
            #expect(!text.lowercased().contains("bcc:"))
            m.parsed.expectWellFormed(m.key ?? "?")
        }
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: server.spool)) ?? []) where name.hasSuffix(".json") {
            let text = try String(contentsOfFile: server.spool + "/" + name, encoding: .utf8)
            #expect(!text.contains("evil"), "\(name): \(text)")
        }
    }

    @Test func testSecondTickSendsNothingNew() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port), customers: DeliveryCustomers.three)
        let first = try d.tick()
        #expect(first.delivered.sent == 3)
        #expect(server.receivedCount == 3)
        for offset in [0.0, 60, 3600] {
            let again = try d.tick(at: now.addingTimeInterval(offset))
            #expect(again.queued.queued == 0, "+\(offset) s")
            #expect(again.delivered.attempted == 0, "+\(offset) s")
            #expect(server.receivedCount == 3, "+\(offset) s")
        }
        #expect(try d.rows().count == 3)
    }

    @Test func testInterruptedSendIsRecoveredWithTheSameMessageID() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port), customers: DeliveryCustomers.three)
        var logger = Logger(label: "outreachd-test")
        logger.logLevel = .warning
        // A run that queued everything, claimed one row, and died before recording its outcome.
        var inFlight: OutboxItem?
        do {
            let delivery = try Outreach.openForDelivery(configFile: d.config, environment: [:])
            let (outreach, ledger) = (delivery.outreach, delivery.ledger)
            #expect(try outreach.queueDue(at: now, into: ledger, logger: logger).queued == 3)
            let claimed = try ledger.claim(now: now, limit: 1)
            try #require(claimed.count == 1)
            inFlight = claimed[0]
            #expect(try ledger.item(key: claimed[0].key)?.state == .sending)
        }
        let key = try #require(inFlight?.key)
        #expect(server.receivedCount == 0)

        let later = now.addingTimeInterval(120)
        let tick = try d.tick(at: later)
        #expect(tick.recovered == 1)
        #expect(tick.delivered.sent == 3)
        let received = try server.received()
        #expect(received.count == 3)
        let resent = try #require(received.first { $0.key == key })
        #expect(resent.parsed.value("Message-ID") == EmailMessage.messageID(key: key, domain: "example.com"))
        expectDelivered(resent, as: try #require(try tick.ledger.item(key: key)), at: later)
        #expect(try d.rows().allSatisfy { $0.state == .sent })
        #expect(try tick.ledger.pendingCount() == 0)
    }

    @Test func testOneWorkerReusesOneConnection() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port, concurrency: 1),
                                       customers: DeliveryCustomers.three + DeliveryCustomers.extra(2))
        let tick = try d.tick()
        #expect(tick.delivered.sent == 5)
        let received = try server.received()
        #expect(received.count == 5)
        #expect(server.events("connect").count == 1, "\(server.events("connect").count) connections for 5 messages with concurrency 1")
        #expect(Set(received.map(\.envelope.session)).count == 1)
        for m in received { #expect(m.envelope.rcptTos.count == 1) }
    }

    // MARK: TLS

    func tlsChannel(port: Int, caFile: String, passwordFile: String?, folder: TemporaryFolder) -> String {
        var more = "ca_file = \"\(caFile)\"\n"
        if let passwordFile { more += "username = \"user\"\npassword_file = \"\(passwordFile)\"\n" }
        return DeliveryDeployment.smtpChannel(port: port, concurrency: 1, more: more).replacingOccurrences(of: "tls = \"none\"", with: "tls = \"required\"")
    }

    /// The fixture with --tls requires STARTTLS before anything else, so a received message went over TLS.
    @Test func testSTARTTLSWithAuthDelivers() throws {
        let folder = TemporaryFolder()
        let certs = try TestCertificates.make(in: folder, name: "good")
        let server = try ServerProcess.smtp(in: folder, ["--tls", certs.certFile, certs.keyFile, "--auth", "user:s3cret pass"])
        defer { server.stop() }
        let password = folder.write("smtp-password", "s3cret pass\n")
        let d = try DeliveryDeployment(channel: tlsChannel(port: server.port, caFile: certs.caFile, passwordFile: password, folder: folder),
                                       customers: DeliveryCustomers.three)
        let tick = try d.tick()
        let states = try d.rows().map { "\($0.key): \($0.state) \($0.lastError ?? "")" }
        #expect(tick.delivered.sent == 3, "\(states)")
        let auth = server.events("auth")
        #expect(!auth.isEmpty)
        #expect(auth.allSatisfy { $0["ok"] as? Bool == true })
        let received = try server.received()
        #expect(received.count == 3)
        for row in try d.rows() {
            if let m = received.first(where: { $0.key == row.key }) { expectDelivered(m, as: row, at: now) } else { Issue.record("\(row.key) not received") }
        }
    }

    @Test func testWrongPasswordIsRetriedAndNothingIsSent() throws {
        let folder = TemporaryFolder()
        let certs = try TestCertificates.make(in: folder, name: "good")
        let server = try ServerProcess.smtp(in: folder, ["--tls", certs.certFile, certs.keyFile, "--auth", "user:s3cret"])
        defer { server.stop() }
        let password = folder.write("smtp-password", "wrong\n")
        let d = try DeliveryDeployment(channel: tlsChannel(port: server.port, caFile: certs.caFile, passwordFile: password, folder: folder),
                                       customers: [DeliveryCustomers.hungarian])
        let tick = try d.tick()
        #expect(tick.delivered.retrying == 1)
        #expect(server.events("auth").contains { $0["ok"] as? Bool == false })
        #expect(server.receivedCount == 0)
        #expect(try d.rows().first?.state == .retry)
    }

    @Test func testRequiredTLSAgainstAServerWithoutSTARTTLSIsRetriedAndSendsNothing() throws {
        let folder = TemporaryFolder()
        let certs = try TestCertificates.make(in: folder, name: "good")
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: tlsChannel(port: server.port, caFile: certs.caFile, passwordFile: nil, folder: folder),
                                       customers: DeliveryCustomers.three)
        let tick = try d.tick()
        #expect(tick.delivered.retrying == 3, "\(tick.delivered)")
        #expect(server.receivedCount == 0)
        #expect(server.events("message").isEmpty)
        for row in try d.rows() {
            #expect(row.state == .retry)
            #expect(row.nextAttemptAt == now.addingTimeInterval(300))
            let reason = (row.lastError ?? "").lowercased()
            #expect(reason.contains("tls") || reason.contains("ssl"), "\(row.lastError ?? "")")
        }
    }

    @Test func testUntrustedCertificateIsRetriedAndSendsNothing() throws {
        let folder = TemporaryFolder()
        let served = try TestCertificates.make(in: folder, name: "served")
        let other = try TestCertificates.make(in: folder, name: "other")
        let server = try ServerProcess.smtp(in: folder, ["--tls", served.certFile, served.keyFile])
        defer { server.stop() }
        let d = try DeliveryDeployment(channel: tlsChannel(port: server.port, caFile: other.caFile, passwordFile: nil, folder: folder),
                                       customers: DeliveryCustomers.three)
        let tick = try d.tick()
        #expect(tick.delivered.retrying == 3, "\(tick.delivered)")
        #expect(server.receivedCount == 0)
        #expect(server.events("message").isEmpty)
        for row in try d.rows() {
            #expect(row.state == .retry)
            let reason = (row.lastError ?? "").lowercased()
            #expect(reason.contains("ssl") || reason.contains("tls") || reason.contains("certificate"), "\(row.lastError ?? "")")
        }
    }
}
