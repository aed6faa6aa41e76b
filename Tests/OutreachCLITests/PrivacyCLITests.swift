import Foundation
import OutreachTestSupport
import Testing

/// `outreachd forget` through the built binary, on a demo that has delivered: the ledger file keeps
/// no byte of the customer, their next message is not sent, and a wrong id erases nothing.
@Suite struct PrivacyCLITests {
    /// `preview --format jsonl` at `time` for one customer, parsed.
    func preview(_ demo: DeliveryDemo, customer: String, at time: String) throws -> [[String: Any]] {
        let result = try demo.run("preview", "--format", "jsonl", "--customer", customer, "--at", time)
        #expect(result.status == 0, "\(result)")
        return result.lines.compactMap { jsonObject($0) }
    }

    /// The state database and its write-ahead log, as bytes.
    func ledgerFiles(_ demo: DeliveryDemo) -> [String: Data] {
        var files: [String: Data] = [:]
        for suffix in ["", "-wal", "-journal"] { files["state.db" + suffix] = FileManager.default.contents(atPath: demo.dir + "/state.db" + suffix) }
        return files
    }

    @Test func testForgetErasesTheCustomerFromTheLedgerFileAndTheirNextBirthdayIsNotSent() throws {
        let demo = try DeliveryDemo()
        let lines = try demo.previewLines()
        let birthday = try #require(lines.first { ($0["rule"] as? String) == "birthday" }, "the demo has a birthday due now")
        let customer = try #require(birthday["customer_id"] as? String)
        let address = try #require(birthday["to"] as? String)
        let body = try #require(birthday["body"] as? String)
        let key = try #require(birthday["key"] as? String)
        let theirs = lines.filter { ($0["customer_id"] as? String) == customer }.count
        let run = try demo.run("run", "--once")
        try #require(run.status == 0, "\(run)")
        #expect(demo.maildirKeys().contains(key))

        // A year on, their birthday is due again.
        let nextYear = ISO8601DateFormatter().string(from: Calendar(identifier: .gregorian).date(byAdding: .year, value: 1, to: Date())!)
        let before = try preview(demo, customer: customer, at: nextYear)
        #expect(before.contains { ($0["rule"] as? String) == "birthday" }, "before forget: \(before)")
        let needles = [address, body].map { Data($0.utf8) }
        #expect(ledgerFiles(demo).values.contains { data in needles.contains { data.range(of: $0) != nil } }, "the ledger held them before")

        let forget = try demo.run("forget", "--customer", customer)
        #expect(forget.status == 0, "\(forget)")
        #expect(forget.stdout.contains("erased \(theirs) row"), "\(forget)")
        #expect(!forget.stdout.contains(address) && !forget.stderr.contains(address), "forget does not print the address: \(forget)")
        for (file, data) in ledgerFiles(demo) {
            for needle in needles { #expect(data.range(of: needle) == nil, "\(file) still holds \(String(decoding: needle, as: UTF8.self).prefix(60))") }
        }
        let after = try preview(demo, customer: customer, at: nextYear)
        #expect(!after.contains { ($0["rule"] as? String) == "birthday" }, "after forget their next birthday is not due: \(after)")
        let explain = try demo.run("explain", "--customer", customer, "--at", nextYear)
        #expect(explain.status == 0, "\(explain)")
        #expect(explain.stdout.contains("suppress"), "explain says why: \(explain)")

        // What was sent stays counted, so nothing goes out twice.
        let status = try demo.run("status")
        #expect(StatusTable(status.stdout).value(rule: "total", state: "sent") == lines.count, "\(status)")
        let second = try demo.run("run", "--once")
        #expect(second.status == 0 && second.stdout.contains("sent 0,"), "\(second)")
    }

    @Test func testForgetOfAnUnknownCustomerErasesNothingAndSaysSo() throws {
        let demo = try DeliveryDemo()
        let forget = try demo.run("forget", "--customer", "NO-SUCH-CUSTOMER")
        #expect(forget.status == 1, "\(forget)")
        #expect(forget.stderr.contains("NO-SUCH-CUSTOMER") && forget.stderr.contains("nothing was erased"), "\(forget)")
        #expect(forget.hasNoStackTrace)
        let list = try demo.run("suppress", "list")
        #expect(list.status == 0 && list.stdout.isEmpty, "\(list)")
        let blank = try demo.run("forget", "--customer", " ")
        #expect(blank.status == 1, "\(blank)")
    }

    @Test func testAddressesRepliesAndBodiesAreLoggedOnlyAtDebugLevel() throws {
        for level in ["info", "debug"] {
            let demo = try DeliveryDemo()
            let lines = try demo.previewLines()
            let first = try #require(lines.first { ($0["to"] as? String)?.contains("@") == true })
            let address = try #require(first["to"] as? String)
            let body = try #require(first["body"] as? String)
            // A refusal that quotes the address, as many servers' replies do.
            let server = try ServerProcess(script: "smtp_server.py", spool: demo.folder.file("smtp-spool"),
                                           arguments: ["--reply-rcpt", "550:5.1.1 <\(address)> no such user here:\(address)"])
            defer { server.stop() }
            try demo.useSMTP(port: server.port)
            let run = try demo.run("run", "--once", "--log-level", level)
            #expect(run.status == 0, "\(run)")
            #expect(run.stderr.contains("delivery failed for good") && run.stderr.contains("class=no_such_mailbox"), "\(run)")
            #expect(run.stderr.contains("info sent "), "the others went out: \(run)")
            let bodyLine = try #require(body.split(separator: "\n").map(String.init).first { $0.count > 12 })
            if level == "info" {
                #expect(!run.stderr.contains(address), "the address is in a log line above debug:\n\(run.stderr)")
                #expect(!run.stderr.contains(bodyLine), "message text is in a log line above debug")
                #expect(!run.stderr.contains("250 "), "a server's reply is in a log line above debug")
            } else {
                #expect(run.stderr.contains("debug server reply") && run.stderr.contains(address), "at debug the reply and address are there:\n\(run.stderr)")
            }
            // The ledger keeps the server's words for `status`, until `[state] retain`.
            let status = try demo.run("status")
            #expect(status.stdout.contains("no such user here"), "\(status)")
        }
    }

    @Test func testAWebhookReceiversAnswersAreLoggedOnlyAtDebugLevel() throws {
        for level in ["info", "debug"] {
            let demo = try DeliveryDemo()
            let addresses = try demo.previewLines().compactMap { $0["to"] as? String }.filter { $0.contains("@") }
            try #require(addresses.count >= 2, "the demo has messages due now")
            // Every answer quotes the address it was about; the first refuses it for good.
            let server = try ServerProcess(script: "http_server.py", spool: demo.folder.file("http-spool"),
                                           arguments: ["--responses", "422,202", "--reply-body", "{\"error\": \"recipient <{to}> is not ours\"}"])
            defer { server.stop() }
            try demo.useHTTP(port: server.port)
            let run = try demo.run("run", "--once", "--log-level", level)
            #expect(run.status == 0, "\(run)")
            #expect(run.stderr.contains("delivery failed for good") && run.stderr.contains("class=permanent"), "\(run)")
            #expect(run.stderr.contains("info sent "), "the others went out: \(run)")
            let logged = addresses.filter { run.stderr.contains($0) }
            if level == "info" {
                #expect(logged.isEmpty, "addresses in log lines above debug: \(logged)\n\(run.stderr)")
                #expect(!run.stderr.contains("is not ours"), "a receiver's answer is in a log line above debug:\n\(run.stderr)")
            } else {
                #expect(run.stderr.contains("debug server reply") && run.stderr.contains("is not ours"), "at debug the answers are there:\n\(run.stderr)")
                #expect(!logged.isEmpty, "at debug the addresses are there")
            }
            let status = try demo.run("status")
            #expect(status.stdout.contains("HTTP 422") && status.stdout.contains("is not ours"), "the ledger keeps the answer for status: \(status)")
        }
    }
}
