import Crypto
import Foundation
import Logging
import OutreachTestSupport
import Testing
@testable import OutreachCore

// MARK: - A deployment whose rule delivers through an HTTP channel

/// Customers with phone numbers (what an http channel addresses by default) whose birthdays are
/// due at ``HTTPDeployment/now``: Hungarian, Thai and English, plus one with no phone.
enum HTTPCustomers {
    static let hungarian = Customer(id: "C-HU", name: "Kovács Éva", email: "eva.kovacs@example.hu", phone: "+36 30 123 4567",
                                    locale: "hu", timezone: "Europe/Budapest", birthday: "1980-11-23")
    static let thai = Customer(id: "C-TH", name: "สมหญิง ใจดี", email: "somying@example.co.th", phone: "+66 81 234 5678",
                               locale: "th", timezone: "Asia/Bangkok", birthday: "1990-11-23")
    static let english = Customer(id: "C-EN", name: "John Smith", email: "john@example.com", phone: "+44 20 7946 0000",
                                  locale: "en", timezone: "Europe/London", birthday: "--11-23")
    /// Due too, but has no phone: the http channel has no address for it, so nothing is posted.
    static let noPhone = Customer(id: "C-NP", name: "Nils Nophone", email: "nils@example.se", locale: "sv-SE",
                                  timezone: "Europe/Stockholm", birthday: "1970-11-23")

    static func key(_ c: Customer) -> String { "birthday:\(c.id):2026" }
}

/// A configuration folder with `[channels.sms] kind = "http"` and one birthday rule on it.
final class HTTPDeployment {
    /// Monday 23 November 2026, 11:00 in Budapest, 17:00 in Bangkok, 10:00 in London: every birthday is due.
    static let now = at("2026-11-23T10:00:00Z")

    static let templates = [
        // An http template needs no Subject: line …
        "sms.hu.txt": "Boldog születésnapot, {{customer.first_name}}! Jó egészséget kíván a(z) {{company.name}} csapata. Árvíztűrő tükörfúrógép.\n",
        "sms.th.txt": "สุขสันต์วันเกิดค่ะ คุณ{{customer.first_name}} ขอให้มีความสุขมาก ๆ จาก {{company.name}}\n",
        // … but may have one.
        "sms.txt": "Subject: Happy birthday, {{customer.first_name}}!\n\nHappy birthday, {{customer.first_name}}! Best wishes from {{company.name}}.\n",
    ]

    let folder: TemporaryFolder
    let config: String

    /// - Parameters:
    ///   - port: where the channel posts (`http://127.0.0.1:PORT/v1/messages`).
    ///   - secret: written to `sms.secret` (with a trailing newline, as `echo` writes it) and named by `secret_file`; nil: no `secret_file`.
    ///   - channelExtra: more keys for `[channels.sms]` (`concurrency = 1`).
    ///   - folder: where the configuration, store and ledger (`state.db`) go; a new one by default.
    init(port: Int, secret: String?, timeout: String = "2s", customers: [Customer] = [HTTPCustomers.hungarian], channelExtra: String = "",
         folder: TemporaryFolder = TemporaryFolder()) throws {
        self.folder = folder
        _ = try makeStore(in: folder, customers: customers)
        if let secret { folder.write("sms.secret", secret + "\n") }
        config = try makeDeployment(in: folder, rules: """
            [channels.sms]
            kind = "http"
            url = "http://127.0.0.1:\(port)/v1/messages"
            \(secret == nil ? "" : "secret_file = \"sms.secret\"")
            timeout = "\(timeout)"
            \(channelExtra)

            [[rules]]
            name = "birthday_sms"
            kind = "birthday"
            channel = "sms"
            template = "sms"
            send_at = "09:00"
            priority = 10
            """, templates: Self.templates)
    }

    /// One tick as `outreachd run --once` does it: recover, queue, deliver, expire.
    @discardableResult
    func tick(at now: Date = HTTPDeployment.now, environment: [String: String] = [:]) throws -> (queued: Outreach.QueueReport, delivered: Deliverer.Report, ledger: any Ledger) {
        var logger = Logger(label: "outreachd-http-test")
        logger.logLevel = .critical
        let delivery = try Outreach.openForDelivery(configFile: config, environment: environment)
        try delivery.ledger.recoverInterrupted(now: now)
        let report = try Tick(delivery: delivery, clock: FixedClock(now), logger: logger).run()
        return (report.queued, report.delivered, delivery.ledger)
    }
}

/// One request as `http_server.py` recorded it.
struct RecordedRequest {
    var n: Int
    var method: String
    var path: String
    /// Lower-cased names.
    var headers: [String: String]
    var body: String
    var signatureValid: Bool?

    var json: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
    }
}

extension ServerProcess {
    /// Starts `http_server.py` on its own spool in `folder`.
    /// - Parameter ledger: a SQLite ledger whose state of each connection's previous key every request records.
    static func http(in folder: TemporaryFolder, responses: String = "202", secret: String? = nil, delay: Double? = nil,
                     ledger: String? = nil) throws -> ServerProcess {
        var arguments = ["--responses", responses]
        if let secret { arguments += ["--secret", secret] }
        if let delay { arguments += ["--delay", String(delay)] }
        if let ledger { arguments += ["--ledger", ledger] }
        return try ServerProcess(script: "http_server.py", spool: folder.file("http-spool"), arguments: arguments)
    }

    /// For every request received, in arrival order, the last one on its connection and that row's
    /// state in the ledger when it arrived (`--ledger`); `nil` for a connection's first request.
    func requestsPreviousOnConnection() throws -> [(key: String, state: String?)?] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
        let numbers = names.filter { $0.hasSuffix(".json") }.compactMap { Int($0.dropLast(5)) }.sorted()
        return try numbers.map { n in
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(spool)/\(n).json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            guard let previous = object["previous_on_connection"] as? [String: Any] else { return nil }
            return (key: previous["key"] as? String ?? "?", state: previous["state"] as? String)
        }
    }

    /// Every request received, in arrival order.
    func requests() throws -> [RecordedRequest] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []
        let numbers = names.filter { $0.hasSuffix(".json") }.compactMap { Int($0.dropLast(5)) }.sorted()
        return try numbers.map { n in
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(spool)/\(n).json"))
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            return RecordedRequest(n: n, method: object["method"] as? String ?? "", path: object["path"] as? String ?? "",
                                   headers: object["headers"] as? [String: String] ?? [:], body: object["body"] as? String ?? "",
                                   signatureValid: object["signature_valid"] as? Bool)
        }
    }
}

/// A `whsec_` secret: base64 of 24 random-looking bytes, as Standard Webhooks providers issue them.
let whsecSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// MARK: - Tests

@Suite struct HTTPChannelTests {
    // MARK: The request

    @Test func testPostsTheContractJSONBodyWithTextIntact() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "202", secret: whsecSecret)
        defer { server.stop() }
        let customers = [HTTPCustomers.hungarian, HTTPCustomers.thai, HTTPCustomers.english, HTTPCustomers.noPhone]
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret, customers: customers)
        let tick = try deployment.tick()
        #expect(tick.delivered.sent == 3, "\(tick.delivered)")
        #expect(tick.delivered.retrying == 0 && tick.delivered.failed == 0)

        let requests = try server.requests()
        #expect(requests.count == 3, "one POST per customer with a phone")
        var byKey: [String: RecordedRequest] = [:]
        for r in requests {
            #expect(r.method == "POST")
            #expect(r.path == "/v1/messages")
            #expect(r.headers["content-type"]?.hasPrefix("application/json") == true, "\(r.headers)")
            let json = try #require(r.json, "body is JSON: \(r.body)")
            let key = try #require(json["key"] as? String)
            byKey[key] = r
        }
        #expect(Set(byKey.keys) == Set([HTTPCustomers.hungarian, HTTPCustomers.thai, HTTPCustomers.english].map(HTTPCustomers.key)))
        #expect(byKey[HTTPCustomers.key(HTTPCustomers.noPhone)] == nil)

        for customer in [HTTPCustomers.hungarian, HTTPCustomers.thai, HTTPCustomers.english] {
            let key = HTTPCustomers.key(customer)
            let request = try #require(byKey[key])
            let json = try #require(request.json)
            let row = try #require(try tick.ledger.item(key: key))
            #expect(row.state == .sent, "\(key): \(row)")
            #expect(row.reply?.hasPrefix("HTTP 202") == true, "\(key): \(row.reply ?? "nil")")

            for field in ["key", "rule", "customer", "channel", "subject", "body", "locale"] {
                #expect(json[field] != nil, "\(key): JSON body lacks \(field): \(request.body)")
            }
            #expect(json["rule"] as? String == "birthday_sms")
            #expect(json["channel"] as? String == "sms")
            #expect(json["locale"] as? String == customer.locale)
            #expect(json["body"] as? String == row.body, "\(key): the body is the rendered text, byte for byte")
            let object = try #require(json["customer"] as? [String: Any], "\(key): customer is an object")
            #expect(object["id"] as? String == customer.id)
            #expect(object["name"] as? String == customer.name)
            #expect(object["locale"] as? String == customer.locale)
            #expect(object["phone"] as? String == customer.phone)

            // Headers: idempotency and Standard Webhooks.
            let id = try #require(request.headers["webhook-id"], "\(key): \(request.headers)")
            #expect(request.headers["idempotency-key"] == id, "\(key): Idempotency-Key and webhook-id name the same message")
            #expect(!id.isEmpty && id.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }, "\(id)")
            #expect(request.headers["webhook-timestamp"] == String(Int(HTTPDeployment.now.timeIntervalSince1970)))
            let signature = try #require(request.headers["webhook-signature"])
            #expect(signature.hasPrefix("v1,"), "\(signature)")
            #expect(request.signatureValid == true, "\(key): the signature does not verify with the whsec_ secret")
        }

        // Text intact: Hungarian accents (including ő and ű) and Thai, through JSON and HTTP.
        let hu = try #require(byKey[HTTPCustomers.key(HTTPCustomers.hungarian)]?.json)
        let huBody = try #require(hu["body"] as? String)
        #expect(huBody.hasPrefix("Boldog születésnapot, Éva! Jó egészséget kíván a(z) Example Kft. csapata. Árvíztűrő tükörfúrógép."), "\(huBody)")
        #expect(hu["subject"] is NSNull, "a template without Subject: sends subject null: \(hu["subject"] ?? "missing")")
        #expect((hu["customer"] as? [String: Any])?["name"] as? String == "Kovács Éva")
        let th = try #require(byKey[HTTPCustomers.key(HTTPCustomers.thai)]?.json)
        let thBody = try #require(th["body"] as? String)
        #expect(thBody.hasPrefix("สุขสันต์วันเกิดค่ะ คุณ"), "\(thBody)")
        #expect(thBody.contains("ขอให้มีความสุขมาก ๆ จาก Example Kft."), "\(thBody)")
        #expect((th["customer"] as? [String: Any])?["name"] as? String == "สมหญิง ใจดี")
        let en = try #require(byKey[HTTPCustomers.key(HTTPCustomers.english)]?.json)
        #expect(en["subject"] as? String == "Happy birthday, John!", "an http template may have a Subject: line")
        #expect((en["body"] as? String)?.hasPrefix("Happy birthday, John! Best wishes from Example Kft.") == true)

        // Different messages have different webhook ids.
        #expect(Set(requests.compactMap { $0.headers["webhook-id"] }).count == 3)
    }

    @Test func testSignatureVerifiesWithAPlainSecret() throws {
        let spool = TemporaryFolder()
        let secret = "plain-shared-secret-2026"
        let server = try ServerProcess.http(in: spool, responses: "200", secret: secret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: secret)
        let tick = try deployment.tick()
        #expect(tick.delivered.sent == 1, "\(tick.delivered)")
        let requests = try server.requests()
        #expect(requests.count == 1)
        #expect(requests.first?.signatureValid == true, "signed with the secret's own bytes: \(requests.first?.headers ?? [:])")
    }

    @Test func testWhsecSignatureDoesNotVerifyWithAnotherSecret() throws {
        // The fixture's check is a real one: the same request fails against a different key.
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "202", secret: "whsec_" + Data("another key entirely".utf8).base64EncodedString())
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        try deployment.tick()
        #expect(try server.requests().first?.signatureValid == false)
    }

    @Test func testSecretFromTheEnvironmentSigns() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "202", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: nil)
        let tick = try deployment.tick(environment: ["OUTREACHD_SMS_SECRET": whsecSecret])
        #expect(tick.delivered.sent == 1, "\(tick.delivered)")
        #expect(try server.requests().first?.signatureValid == true)
    }

    // MARK: Outcomes

    @Test func testAcceptedIsSent() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "202", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let tick = try deployment.tick()
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .sent)
        #expect(row.attempts == 1)
        #expect(row.nextAttemptAt == nil)
        #expect(row.lastError == nil)
        // The next tick sends nothing again.
        let again = try deployment.tick(at: HTTPDeployment.now.addingTimeInterval(600))
        #expect(again.delivered.attempted == 0)
        #expect(try server.requests().count == 1)
    }

    @Test func testRetrySendsTheSameWebhookIDAndIdempotencyKey() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "500,202", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let first = try deployment.tick()
        #expect(first.delivered.retrying == 1, "\(first.delivered)")
        let later = HTTPDeployment.now.addingTimeInterval(5 * 60 + 1)
        let second = try deployment.tick(at: later)
        #expect(second.queued.queued == 0, "the key is in the ledger; nothing is queued twice")
        #expect(second.delivered.sent == 1, "\(second.delivered)")
        let row = try #require(try second.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .sent)
        #expect(row.attempts == 2)

        let requests = try server.requests()
        try #require(requests.count == 2)
        let (a, b) = (requests[0], requests[1])
        #expect(a.headers["webhook-id"] != nil)
        #expect(a.headers["webhook-id"] == b.headers["webhook-id"], "a retry carries the same webhook-id")
        #expect(a.headers["idempotency-key"] != nil)
        #expect(a.headers["idempotency-key"] == b.headers["idempotency-key"], "a retry carries the same Idempotency-Key")
        #expect(a.json?["key"] as? String == b.json?["key"] as? String)
        #expect(a.json?["body"] as? String == b.json?["body"] as? String, "a retry sends what was queued")
        // Each attempt is signed afresh, at its own time.
        #expect(a.headers["webhook-timestamp"] == String(Int(HTTPDeployment.now.timeIntervalSince1970)))
        #expect(b.headers["webhook-timestamp"] == String(Int(later.timeIntervalSince1970)))
        #expect(a.signatureValid == true && b.signatureValid == true)
    }

    @Test func testAnAttemptInterruptedByACrashIsResentWithTheSameIdempotencyKey() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "202", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        // A run queues and claims the row, then dies before recording an outcome.
        let delivery = try Outreach.openForDelivery(configFile: deployment.config, environment: [:])
        let (outreach, ledger) = (delivery.outreach, delivery.ledger)
        var logger = Logger(label: "outreachd-http-test")
        logger.logLevel = .critical
        _ = try outreach.queueDue(at: HTTPDeployment.now, into: ledger, logger: logger)
        let claimed = try ledger.claim(now: HTTPDeployment.now, limit: 10)
        try #require(claimed.count == 1)
        let key = claimed[0].key
        #expect(try ledger.item(key: key)?.state == .sending)

        let restart = try deployment.tick(at: HTTPDeployment.now.addingTimeInterval(60))
        #expect(restart.delivered.sent == 1, "\(restart.delivered)")
        let requests = try server.requests()
        try #require(requests.count == 1)
        #expect(requests[0].headers["idempotency-key"] == HTTPChannel.webhookID(key), "the id the interrupted attempt would have carried")
        #expect(requests[0].headers["webhook-id"] == HTTPChannel.webhookID(key))
        #expect(try restart.ledger.item(key: key)?.state == .sent)
    }

    @Test func testTooManyRequestsHonoursRetryAfterOverTheBackoff() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "429:Retry-After=3600", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let tick = try deployment.tick()
        #expect(tick.delivered.retrying == 1, "\(tick.delivered)")
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .retry)
        let next = try #require(row.nextAttemptAt)
        #expect(next >= HTTPDeployment.now.addingTimeInterval(3600), "the server's Retry-After (1 h) beats the 5-minute backoff: \(next)")
        #expect(next <= HTTPDeployment.now.addingTimeInterval(3600 + 60), "\(next)")
        #expect(row.lastError?.contains("429") == true, "\(row.lastError ?? "nil")")
        // Not retried before then.
        let early = try deployment.tick(at: HTTPDeployment.now.addingTimeInterval(10 * 60))
        #expect(early.delivered.attempted == 0)
        #expect(try server.requests().count == 1)
    }

    @Test func testServerErrorRetriesInFiveMinutes() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "500", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let tick = try deployment.tick()
        #expect(tick.delivered.retrying == 1, "\(tick.delivered)")
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .retry)
        #expect(row.nextAttemptAt == HTTPDeployment.now.addingTimeInterval(5 * 60), "\(String(describing: row.nextAttemptAt))")
        #expect(row.lastError?.hasPrefix("HTTP 500") == true, "\(row.lastError ?? "nil")")
    }

    @Test func testBadRequestFailsForGood() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "400", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let tick = try deployment.tick()
        #expect(tick.delivered.failed == 1, "\(tick.delivered)")
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .failed)
        #expect(row.nextAttemptAt == nil)
        #expect(row.lastError?.contains("HTTP 400") == true, "\(row.lastError ?? "nil")")
        // Never tried again.
        let later = try deployment.tick(at: HTTPDeployment.now.addingTimeInterval(2 * 3600))
        #expect(later.delivered.attempted == 0)
        #expect(try server.requests().count == 1)
    }

    /// 408, 429 and 5xx retry; any other 4xx fails (PRODUCT.md, Delivery).
    @Test(arguments: [(408, LedgerState.retry), (503, .retry), (401, .failed), (404, .failed), (422, .failed)])
    func testStatusCodeClassification(code: Int, state: LedgerState) throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: String(code), secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let tick = try deployment.tick()
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == state, "HTTP \(code): \(row.lastError ?? "")")
        #expect(row.lastError?.contains("HTTP \(code)") == true, "\(row.lastError ?? "nil")")
    }

    @Test func testRetryAfterAsAnHTTPDateIsHonoured() throws {
        let spool = TemporaryFolder()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let wish = HTTPDeployment.now.addingTimeInterval(2 * 3600)
        let date = formatter.string(from: wish).replacingOccurrences(of: ",", with: "%2C")  // the fixture percent-decodes
        let server = try ServerProcess.http(in: spool, responses: "503:Retry-After=\(date)", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let tick = try deployment.tick()
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .retry, "\(row.lastError ?? "")")
        let next = try #require(row.nextAttemptAt)
        #expect(abs(next.timeIntervalSince(wish)) <= 1, "Retry-After: \(formatter.string(from: wish)) → \(next)")
    }

    @Test func testRetryAfterBeyondMaxLatenessExpires() throws {
        // A birthday may be sent at most 1 day late; a server asking for 3 days means it cannot go out in time.
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "429:Retry-After=259200", secret: whsecSecret)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret)
        let tick = try deployment.tick()
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .expired, "\(row.state): \(row.lastError ?? "")")
        #expect(row.lastError?.contains("max_lateness") == true, "\(row.lastError ?? "nil")")
        #expect(row.lastError?.contains("429") == true, "the server's answer is kept: \(row.lastError ?? "nil")")
    }

    @Test func testOneConnectionCarriesSeveralSignedRequests() throws {
        // concurrency = 1: one worker, one curl handle reused for every message (keep-alive); each
        // request must still carry its own body, id and signature, and a retry between them changes nothing else.
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "202,500,202", secret: whsecSecret)
        defer { server.stop() }
        let customers = [HTTPCustomers.hungarian, HTTPCustomers.thai, HTTPCustomers.english]
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret, customers: customers, channelExtra: "concurrency = 1")
        let tick = try deployment.tick()
        #expect(tick.delivered.sent == 2, "\(tick.delivered)")
        #expect(tick.delivered.retrying == 1, "\(tick.delivered)")
        let requests = try server.requests()
        try #require(requests.count == 3)
        #expect(Set(requests.compactMap { $0.json?["key"] as? String }).count == 3, "three different messages")
        for r in requests {
            let key = try #require(r.json?["key"] as? String)
            #expect(r.headers["webhook-id"] == HTTPChannel.webhookID(key), "\(key)")
            #expect(r.headers["idempotency-key"] == HTTPChannel.webhookID(key), "\(key)")
            #expect(r.signatureValid == true, "\(key)")
            #expect(Int(r.headers["content-length"] ?? "") == r.body.utf8.count, "\(key): Content-Length matches this body")
            let row = try #require(try tick.ledger.item(key: key))
            #expect(r.json?["body"] as? String == row.body, "\(key)")
        }
        let retried = try #require(requests[1].json?["key"] as? String)
        #expect(try tick.ledger.item(key: retried)?.state == .retry)
    }

    @Test func testNoAttemptStartsBeforeTheWorkersLastOutcomeIsDurable() throws {
        // Each worker prepares its next message while its last outcome is committed, but must not
        // send it before that commit: the server, reading the ledger as each request arrives, sees
        // the previous request of the same connection already recorded, never still `sending`.
        let spool = TemporaryFolder()
        let customers = (1...40).map { n in
            Customer(id: "C\(n)", name: "Customer \(n)", email: "c\(n)@example.com", phone: "+44 20 7946 \(1000 + n)",
                     locale: "en", timezone: "Europe/London", birthday: "--11-23")
        }
        // The server needs the ledger's path before it starts, and the deployment the server's port.
        let folder = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, secret: whsecSecret, ledger: folder.file("state.db"))
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret, customers: customers, channelExtra: "concurrency = 3",
                                            folder: folder)
        let tick = try deployment.tick()
        #expect(tick.delivered.sent == 40, "\(tick.delivered)")
        let previous = try server.requestsPreviousOnConnection()
        try #require(previous.count == 40)
        let following = previous.compactMap { $0 }
        #expect(following.count >= 37, "3 connections: every request but their first follows another")
        for (key, state) in following {
            #expect(state == "sent", "\(key) was \(state ?? "missing") when the next request on its connection came")
        }
    }

    @Test func testSlowServerTimesOutAndRetries() throws {
        let spool = TemporaryFolder()
        let server = try ServerProcess.http(in: spool, responses: "202", secret: whsecSecret, delay: 4)
        defer { server.stop() }
        let deployment = try HTTPDeployment(port: server.port, secret: whsecSecret, timeout: "1s")
        let started = Date()
        let tick = try deployment.tick()
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 3.5, "the 1s timeout bounds the attempt (took \(elapsed)s)")
        #expect(tick.delivered.retrying == 1, "\(tick.delivered)")
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .retry)
        #expect(row.nextAttemptAt == HTTPDeployment.now.addingTimeInterval(5 * 60))
        let reason = row.lastError?.lowercased() ?? ""
        #expect(reason.contains("timeout") || reason.contains("timed out"), "a timeout reason: \(row.lastError ?? "nil")")
        #expect(try server.requests().count == 1, "the request reached the server")
    }

    @Test func testUnreachablePortRetries() throws {
        let port = try closedLoopbackPort()
        let deployment = try HTTPDeployment(port: port, secret: whsecSecret)
        let tick = try deployment.tick()
        #expect(tick.delivered.retrying == 1, "\(tick.delivered)")
        let row = try #require(try tick.ledger.item(key: HTTPCustomers.key(HTTPCustomers.hungarian)))
        #expect(row.state == .retry)
        #expect(row.nextAttemptAt == HTTPDeployment.now.addingTimeInterval(5 * 60))
        #expect(!(row.lastError ?? "").isEmpty, "the reason is kept")
        #expect(!(row.lastError ?? "").hasPrefix("HTTP"), "no HTTP status: the server was never reached: \(row.lastError ?? "nil")")
    }

    // MARK: Signature, unit level

    /// The Standard Webhooks specification's published example, recomputed independently with Python:
    ///
    ///     import hmac, hashlib, base64
    ///     key = base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    ///     signed = b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}'
    ///     "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    ///     # 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
    @Test func testSignatureMatchesTheStandardWebhooksVector() throws {
        let key = SymmetricKey(data: HTTPChannel.signingKey("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = HTTPChannel.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1614265330,
                                              body: Data(#"{"test": 2432232314}"#.utf8), key: key)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    /// A plain (non-`whsec_`) secret is used as its UTF-8 bytes; the body is signed as bytes (UTF-8 text intact).
    ///
    ///     key = "plain-secret-ünïcode".encode()
    ///     body = '{"body":"Boldog születésnapot! สุขสันต์วันเกิด","key":"birthday:C-HU:2026"}'
    ///     signed = f"msg_0123456789abcdef0123456789abcdef.1795428000.{body}".encode()
    ///     # 'v1,wOmceK8C7EoFZ/gdaYUEwjX3m7UP+snUM6oT04o17ls='
    @Test func testSignatureWithAPlainSecretAndUnicodeBody() throws {
        let key = SymmetricKey(data: HTTPChannel.signingKey("plain-secret-ünïcode"))
        let body = #"{"body":"Boldog születésnapot! สุขสันต์วันเกิด","key":"birthday:C-HU:2026"}"#
        let signature = HTTPChannel.signature(id: "msg_0123456789abcdef0123456789abcdef", timestamp: 1795428000, body: Data(body.utf8), key: key)
        #expect(signature == "v1,wOmceK8C7EoFZ/gdaYUEwjX3m7UP+snUM6oT04o17ls=")
    }

    @Test func testSigningKeyDecodesWhsecAndKeepsPlainSecrets() {
        #expect(HTTPChannel.signingKey("whsec_" + Data([0, 1, 2, 250, 255]).base64EncodedString()) == Data([0, 1, 2, 250, 255]))
        #expect(HTTPChannel.signingKey("hunter2") == Data("hunter2".utf8))
    }

    @Test func testWebhookIDIsStablePerKey() {
        let a = HTTPChannel.webhookID("birthday:C-HU:2026")
        #expect(a == HTTPChannel.webhookID("birthday:C-HU:2026"))
        #expect(a != HTTPChannel.webhookID("birthday:C-HU:2027"))
        #expect(a.hasPrefix("msg_"))
    }
}
