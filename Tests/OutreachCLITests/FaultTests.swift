import Foundation
import GRDB
import OutreachTestSupport
import Testing

/// Delivery against servers that fail in every way a mail or webhook server does, through
/// `run --once`: for each fault the ledger state and class it leaves, the log line an operator
/// sees, and nothing lost — once the server behaves, the next attempt delivers every message with
/// the same Message-ID it had (a server that took a message without saying so gets it again,
/// recognisably).
@Suite struct FaultTests {
    /// One SMTP fault and what it must leave.
    struct SMTPFault: Sendable, CustomTestStringConvertible {
        var fault: String
        var state: String
        var failureClass: String
        var testDescription: String { fault }
    }

    static let smtpFaults: [SMTPFault] = [
        SMTPFault(fault: "greeting:421", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "greeting:554", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "mail:451", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "rcpt:421", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "rcpt:451", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "rcpt:452", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "rcpt:550", state: "failed", failureClass: "permanent"),
        SMTPFault(fault: "rcpt:554", state: "failed", failureClass: "permanent"),
        SMTPFault(fault: "data:451", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "data:554", state: "failed", failureClass: "permanent"),
        SMTPFault(fault: "dot:451", state: "retry", failureClass: "temporary"),
        SMTPFault(fault: "dot:554", state: "failed", failureClass: "permanent"),
        SMTPFault(fault: "close:greeting", state: "retry", failureClass: "network"),
        SMTPFault(fault: "close:rcpt", state: "retry", failureClass: "network"),
        SMTPFault(fault: "close:body", state: "retry", failureClass: "network"),
        SMTPFault(fault: "close:dot", state: "retry", failureClass: "network"),
        SMTPFault(fault: "stall:greeting", state: "retry", failureClass: "timeout"),
        SMTPFault(fault: "stall:rcpt", state: "retry", failureClass: "timeout"),
        SMTPFault(fault: "stall:body", state: "retry", failureClass: "timeout"),
        SMTPFault(fault: "stall:dot", state: "retry", failureClass: "timeout"),
    ]

    /// Every row of the ledger: key, state, failure class, attempts.
    func rows(_ d: SinkDeployment) throws -> [(key: String, state: String, failureClass: String?, attempts: Int)] {
        let ledger = try DatabaseQueue(path: d.folder.file("state.db"))
        defer { try? ledger.close() }
        return try ledger.read { db in
            try Row.fetchAll(db, sql: "SELECT key, state, failure_class, attempts FROM outbox ORDER BY key").map { ($0[0], $0[1], $0[2], $0[3]) }
        }
    }

    /// Makes every waiting retry due now, as the backoff's end would.
    func makeRetriesDue(_ d: SinkDeployment) throws {
        let ledger = try DatabaseQueue(path: d.folder.file("state.db"))
        defer { try? ledger.close() }
        try ledger.write { db in try db.execute(sql: "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'retry'") }
    }

    /// Runs `config` once against the faulty server and checks what each of the three messages is
    /// left as, and the log line an operator sees for each.
    func expectFault(_ d: SinkDeployment, config: String, leaves state: String, _ failureClass: String,
                     sourceLocation: SourceLocation = #_sourceLocation) throws {
        let run = try outreachd(["run", "--once", "--config", config], in: d.folder.path)
        #expect(run.status == (state == "retry" ? 2 : 0), "\(run)", sourceLocation: sourceLocation)
        #expect(run.hasNoStackTrace, sourceLocation: sourceLocation)
        let rows = try rows(d)
        #expect(rows.count == 3, "every due message is in the ledger: \(rows)", sourceLocation: sourceLocation)
        for row in rows {
            #expect(row.state == state && row.failureClass == failureClass && row.attempts == 1, "\(row)", sourceLocation: sourceLocation)
        }
        let line = state == "retry" ? "warning delivery failed; will retry" : "error delivery failed for good"
        #expect(run.stderr.components(separatedBy: "\n").filter { $0.contains(line) && $0.contains("class=\(failureClass)") }.count == 3,
                "one log line per message:\n\(run.stderr)", sourceLocation: sourceLocation)
    }

    /// The server mends: at the backoff's end, `channel` (the healthy sink) gets every retried
    /// message, once each. Returns what it got.
    func expectMended(_ d: SinkDeployment, channel: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [SinkDeployment.Received] {
        let healthy = try d.writeConfig("healthy.toml", rules: [.birthday], channel: channel)
        try makeRetriesDue(d)
        let again = try outreachd(["run", "--once", "--config", healthy], in: d.folder.path)
        #expect(again.status == 0, "\(again)", sourceLocation: sourceLocation)
        let rows = try rows(d)
        #expect(rows.count == 3 && rows.allSatisfy { $0.state == "sent" && $0.attempts == 2 }, "\(rows)", sourceLocation: sourceLocation)
        let delivered = d.received()
        #expect(Set(delivered.map(\.key)).count == 3 && delivered.count == 3, "\(delivered.map(\.key))", sourceLocation: sourceLocation)
        return delivered
    }

    // MARK: SMTP

    static func smtpChannel(port: Int) -> String {
        """
        kind = "smtp"
        url = "smtp://127.0.0.1:\(port)"
        tls = "none"
        from = "Example Care <care@example.com>"
        concurrency = 1
        connect_timeout = "1s"
        command_timeout = "1s"
        data_timeout = "1s"
        """
    }

    @Test(arguments: smtpFaults)
    func testSMTPFaultLeavesItsStateAndLogLineAndLosesNothing(_ expected: SMTPFault) throws {
        let d = try SinkDeployment(customers: 3, ledger: .sqlite, sink: .smtp, slow: 0)
        defer { d.server.stop() }
        let faulty = try ServerProcess(script: "smtp_faults.py", spool: d.folder.file("faults"), arguments: ["--fault", expected.fault])
        defer { faulty.stop() }
        let config = try d.writeConfig("faults.toml", rules: [.birthday], channel: Self.smtpChannel(port: faulty.port))
        try expectFault(d, config: config, leaves: expected.state, expected.failureClass)
        guard expected.state == "retry" else { return }
        let delivered = try expectMended(d, channel: Self.smtpChannel(port: d.server.port))
        // What the faulty server took without saying so carries the ID the real delivery has.
        let taken = (try? String(contentsOfFile: d.folder.file("faults/received.jsonl"), encoding: .utf8))?
            .split(separator: "\n").compactMap { jsonObject(String($0))?["message_id"] as? String } ?? []
        #expect(Set(taken).isSubset(of: Set(delivered.map(\.messageID))), "\(taken) vs \(delivered.map(\.messageID))")
        if ["close:dot", "stall:dot", "dot:451"].contains(expected.fault) {
            #expect(taken.count == 3, "the faulty server had each message whole: \(taken)")
        }
    }

    // MARK: HTTP

    /// One HTTP fault: how the fixture answers, and what it must leave.
    struct HTTPFault: Sendable, CustomTestStringConvertible {
        var name: String
        var arguments: [String]
        var state: String
        var failureClass: String
        var testDescription: String { name }
    }

    static let httpFaults: [HTTPFault] = [
        HTTPFault(name: "429 with Retry-After", arguments: ["--responses", "429:Retry-After=120"], state: "retry", failureClass: "temporary"),
        HTTPFault(name: "500", arguments: ["--responses", "500"], state: "retry", failureClass: "temporary"),
        HTTPFault(name: "503", arguments: ["--responses", "503"], state: "retry", failureClass: "temporary"),
        HTTPFault(name: "301 to another host", arguments: ["--responses", "301:Location=REDIRECT"], state: "retry", failureClass: "configuration"),
        HTTPFault(name: "400", arguments: ["--responses", "400"], state: "failed", failureClass: "permanent"),
        HTTPFault(name: "stall past the timeout", arguments: ["--delay", "3"], state: "retry", failureClass: "timeout"),
    ]

    static func httpChannel(port: Int) -> String {
        """
        kind = "http"
        url = "http://127.0.0.1:\(port)/hooks/outreach"
        secret_file = "hook.secret"
        address = "email"
        concurrency = 1
        timeout = "1s"
        """
    }

    @Test(arguments: httpFaults)
    func testHTTPFaultLeavesItsStateAndLogLineAndLosesNothing(_ expected: HTTPFault) throws {
        let d = try SinkDeployment(customers: 3, ledger: .sqlite, sink: .http, slow: 0)
        defer { d.server.stop() }
        // Where a redirect points: another server, which must never see a request.
        let elsewhere = try ServerProcess(script: "http_server.py", spool: d.folder.file("elsewhere"))
        defer { elsewhere.stop() }
        let arguments = expected.arguments.map { $0.replacingOccurrences(of: "REDIRECT", with: "http://localhost:\(elsewhere.port)/stolen") }
        let faulty = try ServerProcess(script: "http_server.py", spool: d.folder.file("faults"), arguments: arguments)
        defer { faulty.stop() }
        let config = try d.writeConfig("faults.toml", rules: [.birthday], channel: Self.httpChannel(port: faulty.port))
        try expectFault(d, config: config, leaves: expected.state, expected.failureClass)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: elsewhere.spool)) ?? []).filter { $0.hasSuffix(".json") }.isEmpty,
                "a redirect was followed to another host")
        guard expected.state == "retry" else { return }
        let delivered = try expectMended(d, channel: Self.httpChannel(port: d.server.port))
        // Each request the faulty server saw carried the key the delivered one has.
        let tried = ((try? FileManager.default.contentsOfDirectory(atPath: faulty.spool)) ?? []).filter { $0.hasSuffix(".json") }.compactMap { name -> String? in
            guard let data = FileManager.default.contents(atPath: faulty.spool + "/" + name),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return (object["headers"] as? [String: String])?["idempotency-key"]
        }
        #expect(!tried.isEmpty && Set(tried).isSubset(of: Set(delivered.map(\.messageID))), "\(tried)")
    }
}
