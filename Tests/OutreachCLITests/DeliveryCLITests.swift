import Foundation
import OutreachTestSupport
import Testing

/// `run --once`, `status`, `suppress` and `send-test` through the built binary, delivering for real
/// (into the demo's Maildir, or to loopback SMTP).
///
/// `run` evaluates at the wall clock and has no `--at`, so each demo is seeded at the real current time.
@Suite struct DeliveryCLITests {
    // MARK: run --once into the Maildir, and status

    @Test func testRunOnceDeliversEveryDueMessageIntoTheMaildirExactlyOnce() throws {
        let demo = try DeliveryDemo()
        let due = try demo.previewKeys()
        try #require(!due.isEmpty, "the demo has messages due now")

        let first = try demo.run("run", "--once")
        #expect(first.status == 0, "\(first)")
        #expect(first.hasNoStackTrace)
        #expect(first.stdout.contains("sent \(due.count),"), "\(first)")
        #expect(first.stdout.contains("still queued 0"), "\(first)")
        let files = demo.maildirNew()
        #expect(files.count == due.count, "one file in Maildir/new per message preview listed: \(files.count) vs \(due.count)")
        #expect(demo.maildirKeys() == Set(due), "the delivered keys are the previewed keys")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: demo.dir + "/Maildir/tmp")) ?? []).isEmpty, "nothing left in tmp/")

        let second = try demo.run("run", "--once")
        #expect(second.status == 0, "\(second)")
        #expect(second.stdout.contains("sent 0,"), "\(second)")
        #expect(demo.maildirNew() == files, "a second run sends nothing new")
    }

    @Test func testStatusShowsTheRuleStateTableWithSentCounts() throws {
        let demo = try DeliveryDemo()
        let perRule = try demo.previewCountsByRule()
        let total = perRule.values.reduce(0, +)
        try #require(total > 0)
        let run = try demo.run("run", "--once")
        try #require(run.status == 0, "\(run)")

        let status = try demo.run("status")
        #expect(status.status == 0, "\(status)")
        let table = StatusTable(status.stdout)
        #expect(table.columns == ["rule", "queued", "sending", "sent", "retry", "failed", "expired"], "\(status)")
        for (rule, count) in perRule {
            #expect(table.value(rule: rule, state: "sent") == count, "\(rule): \(status)")
            #expect(table.value(rule: rule, state: "queued") == 0, "\(rule): \(status)")
            #expect(table.value(rule: rule, state: "retry") == 0, "\(rule): \(status)")
        }
        #expect(table.value(rule: "total", state: "sent") == total, "\(status)")
        #expect(!status.stdout.contains("latest problems"), "nothing failed: \(status)")

        let jsonl = try demo.run("status", "--format", "jsonl")
        #expect(jsonl.status == 0, "\(jsonl)")
        var sent: [String: Int] = [:]
        for line in jsonl.lines {
            guard let object = jsonObject(line) else { continue }
            let rule = try #require(object["rule"] as? String, "\(line)")
            let state = try #require(object["state"] as? String, "\(line)")
            let count = try #require(object["count"] as? Int, "\(line)")
            #expect(state == "sent", "\(line)")
            sent[rule, default: 0] += count
        }
        #expect(sent == perRule, "\(jsonl)")
    }

    // MARK: suppress

    @Test func testSuppressAddListRemove() throws {
        let demo = try DeliveryDemo()
        let add = try demo.run("suppress", "add", "x@example.com")
        #expect(add.status == 0, "\(add)")
        let listed = try demo.run("suppress", "list")
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.lines.contains { $0.hasPrefix("x@example.com") }, "\(listed)")

        let remove = try demo.run("suppress", "remove", "x@example.com")
        #expect(remove.status == 0, "\(remove)")
        let after = try demo.run("suppress", "list")
        #expect(after.status == 0, "\(after)")
        #expect(!after.stdout.contains("x@example.com"), "\(after)")

        let missing = try demo.run("suppress", "add")
        #expect(missing.status == 1, "add without an address is the user's to fix: \(missing)")
        #expect(!missing.stderr.isEmpty, "\(missing)")
        #expect(missing.hasNoStackTrace, "\(missing)")
    }

    @Test func testASuppressedAddressGetsNothingFromRun() throws {
        let demo = try DeliveryDemo()
        let lines = try demo.previewLines()
        let first = try #require(lines.first)
        let address = try #require(first["to"] as? String)
        let key = try #require(first["key"] as? String)
        let add = try demo.run("suppress", "add", address.uppercased())
        #expect(add.status == 0, "\(add)")
        let run = try demo.run("run", "--once")
        #expect(run.status == 0, "\(run)")
        #expect(!demo.maildirKeys().contains(key), "\(key) went to suppressed \(address)")
        #expect(demo.maildirNew().count == lines.count - lines.filter { ($0["to"] as? String)?.lowercased() == address.lowercased() }.count)
    }

    // MARK: run --once with a delivery problem

    @Test func testRunOnceAgainstAClosedSMTPPortExitsTwoAndKeepsRowsForRetry() throws {
        let demo = try DeliveryDemo()
        let perRule = try demo.previewCountsByRule()
        let total = perRule.values.reduce(0, +)
        try #require(total > 0)
        try demo.useSMTP(port: try closedLoopbackPort())

        let run = try demo.run("run", "--once")
        #expect(run.status == 2, "a delivery problem is exit 2: \(run)")
        #expect(run.hasNoStackTrace, "\(run)")
        #expect(run.stdout.contains("retrying \(total),"), "\(run)")
        #expect(run.stdout.contains("still queued \(total)"), "\(run)")
        #expect(demo.maildirNew().isEmpty)

        let status = try demo.run("status")
        #expect(status.status == 0, "\(status)")
        let table = StatusTable(status.stdout)
        for (rule, count) in perRule {
            #expect(table.value(rule: rule, state: "retry") == count, "\(rule): \(status)")
            #expect(table.value(rule: rule, state: "sent") == 0, "\(rule): \(status)")
        }
        #expect(table.value(rule: "total", state: "retry") == total, "\(status)")
        #expect(status.stdout.contains("latest problems:"), "\(status)")
        let problems = status.lines.drop { !$0.hasPrefix("latest problems:") }.dropFirst()
        #expect(!problems.isEmpty, "\(status)")
        for line in problems {
            #expect(line.contains(" retry "), "\(line)")
            let reason = line.components(separatedBy: "(attempt 1)").last?.trimmingCharacters(in: .whitespaces) ?? ""
            #expect(!reason.isEmpty, "a reason: \(line)")
        }

        let jsonl = try demo.run("status", "--format", "jsonl")
        let problemObjects = jsonl.lines.compactMap { jsonObject($0)?["problem"] as? [String: Any] }
        #expect(!problemObjects.isEmpty, "\(jsonl)")
        for p in problemObjects {
            #expect(p["state"] as? String == "retry", "\(p)")
            #expect(!((p["error"] as? String) ?? "").isEmpty, "\(p)")
        }
    }

    // MARK: send-test

    @Test func testSendTestDeliversOneMessageOutsideTheLedger() throws {
        let demo = try DeliveryDemo()
        let server = try ServerProcess(script: "smtp_server.py", spool: demo.folder.file("smtp-spool"))
        defer { server.stop() }
        try demo.useSMTP(port: server.port)
        let statusBefore = try demo.run("status", "--format", "jsonl")
        let textBefore = try demo.run("status")

        let result = try demo.run("send-test", "--rule", "birthday", "--customer", "C001", "--to", "someone@example.com")
        #expect(result.status == 0, "\(result)")
        #expect(result.hasNoStackTrace)

        let spool = server.spool
        let messages = ((try? FileManager.default.contentsOfDirectory(atPath: spool)) ?? []).filter { $0.hasSuffix(".eml") }
        try #require(messages.count == 1, "exactly one message: \(messages)")
        let raw = try String(contentsOfFile: spool + "/" + messages[0], encoding: .utf8)
        let headers = raw.components(separatedBy: "\r\n\r\n").first ?? ""
        let keyLine = headers.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("x-outreach-key:") }
        let key = try #require(keyLine).dropFirst("X-Outreach-Key:".count).trimmingCharacters(in: .whitespaces)
        #expect(key.hasPrefix("send-test:"), "\(key)")
        #expect(key.contains("C001"), "\(key)")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: spool + "/" + messages[0].replacingOccurrences(of: ".eml", with: ".json")))) as? [String: Any])
        #expect(envelope["rcpt_tos"] as? [String] == ["someone@example.com"], "\(envelope)")

        // Outside the ledger: status is exactly what it was, and the real occurrence is still to send.
        let statusAfter = try demo.run("status", "--format", "jsonl")
        #expect(statusAfter.stdout == statusBefore.stdout, "before:\n\(statusBefore.stdout)\nafter:\n\(statusAfter.stdout)")
        #expect(try demo.run("status").stdout == textBefore.stdout)
        #expect(StatusTable(textBefore.stdout).value(rule: "total", state: "sent") == 0)
    }

    @Test func testSendTestToAClosedPortExitsTwo() throws {
        let demo = try DeliveryDemo()
        try demo.useSMTP(port: try closedLoopbackPort())
        let statusBefore = try demo.run("status", "--format", "jsonl")
        let result = try demo.run("send-test", "--rule", "birthday", "--customer", "C001", "--to", "someone@example.com")
        #expect(result.status == 2, "\(result)")
        #expect(!result.stderr.isEmpty, "the reason goes to stderr: \(result)")
        #expect(result.hasNoStackTrace, "\(result)")
        #expect(try demo.run("status", "--format", "jsonl").stdout == statusBefore.stdout, "nothing recorded")
    }

    // MARK: run --dry-run

    @Test func testDryRunSendsAndRecordsNothing() throws {
        let demo = try DeliveryDemo()
        let due = try demo.previewKeys()
        try #require(!due.isEmpty)
        let before = demo.folder.snapshot()

        let result = try demo.run("run", "--dry-run", "--once")
        #expect(result.status == 0, "\(result)")
        #expect(result.hasNoStackTrace)
        #expect(result.stdout.contains("dry run: \(due.count) message"), "it says what would have been sent: \(result)")
        #expect(demo.maildirNew().isEmpty, "nothing delivered")
        let after = demo.folder.snapshot()
        #expect(Set(after.keys) == Set(before.keys), "no file created or removed: \(Set(after.keys).symmetricDifference(Set(before.keys)))")
        #expect(after == before, "no file changed")

        let status = try demo.run("status")
        #expect(status.status == 0, "\(status)")
        let table = StatusTable(status.stdout)
        for state in ["queued", "sending", "sent", "retry", "failed", "expired"] {
            #expect(table.value(rule: "total", state: state) == 0, "\(state): \(status)")
        }
        // And a real run afterwards still has everything to send.
        let run = try demo.run("run", "--once")
        #expect(run.status == 0, "\(run)")
        #expect(demo.maildirNew().count == due.count)
    }

    @Test func testDryRunAfterARealRunChangesNothing() throws {
        let demo = try DeliveryDemo()
        let run = try demo.run("run", "--once")
        try #require(run.status == 0, "\(run)")
        let statusBefore = try demo.run("status", "--format", "jsonl")
        let files = demo.maildirNew()
        let dry = try demo.run("run", "--dry-run", "--once")
        #expect(dry.status == 0, "\(dry)")
        #expect(dry.stdout.contains("dry run: 0 messages"), "everything due was sent already: \(dry)")
        #expect(demo.maildirNew() == files)
        #expect(try demo.run("status", "--format", "jsonl").stdout == statusBefore.stdout)
    }
}

// MARK: - Support

/// A demo seeded at the real current time, since `run` evaluates at the wall clock.
struct DeliveryDemo {
    let demo: CLIDemo

    init(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        demo = try CLIDemo(at: formatter.string(from: Date()), sourceLocation: sourceLocation)
    }

    var folder: TemporaryFolder { demo.folder }
    var dir: String { demo.dir }
    var config: String { demo.config }

    func run(_ command: String, _ arguments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> CLIResult {
        try outreachd([command, "--config", config] + arguments, in: folder.path, sourceLocation: sourceLocation)
    }

    /// `preview --format jsonl`, parsed: the messages due now.
    func previewLines(sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let preview = try run("preview", "--format", "jsonl", sourceLocation: sourceLocation)
        #expect(preview.status == 0, "\(preview)", sourceLocation: sourceLocation)
        return preview.lines.compactMap { jsonObject($0, sourceLocation: sourceLocation) }
    }

    func previewKeys() throws -> [String] { try previewLines().compactMap { $0["key"] as? String } }

    func previewCountsByRule() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in try previewLines() { counts[line["rule"] as? String ?? "?", default: 0] += 1 }
        return counts
    }

    /// File names in `Maildir/new`, sorted.
    func maildirNew() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir + "/Maildir/new")) ?? []).sorted()
    }

    /// The `X-Outreach-Key` of every message in `Maildir/new`.
    func maildirKeys() -> Set<String> {
        Set(maildirNew().compactMap { name -> String? in
            guard let text = try? String(contentsOfFile: dir + "/Maildir/new/" + name, encoding: .utf8) else { return nil }
            let headers = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").first ?? ""
            return headers.components(separatedBy: "\n").first { $0.hasPrefix("X-Outreach-Key:") }
                .map { $0.dropFirst("X-Outreach-Key:".count).trimmingCharacters(in: .whitespaces) }
        })
    }

    /// Rewrites the demo's channel (`[channels.spool]`, a Maildir) into a plain-text SMTP channel on loopback `port`.
    func useSMTP(port: Int, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try useChannel([
            "kind = \"smtp\"",
            "url = \"smtp://127.0.0.1:\(port)\"",
            "tls = \"none\"",
            "from = \"Example Care <care@example.com>\"",
            "connect_timeout = \"5s\"",
            "command_timeout = \"5s\"",
            "data_timeout = \"10s\"",
        ], sourceLocation: sourceLocation)
    }

    /// Rewrites the demo's channel into a webhook to `http://127.0.0.1:port/hook`, signed with `secret`.
    func useHTTP(port: Int, secret: String = "a-shared-secret", sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = folder.write("demo/hook.secret", secret)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        try useChannel([
            "kind = \"http\"",
            "url = \"http://127.0.0.1:\(port)/hook\"",
            "address = \"email\"",
            "secret_file = \"hook.secret\"",
            "timeout = \"10s\"",
        ], sourceLocation: sourceLocation)
    }

    /// Replaces the body of `[channels.spool]` with `settings`, and checks the config still loads.
    private func useChannel(_ settings: [String], sourceLocation: SourceLocation) throws {
        var lines = try String(contentsOfFile: config, encoding: .utf8).components(separatedBy: "\n")
        let start = try #require(lines.firstIndex(of: "[channels.spool]"), "the demo config has [channels.spool]", sourceLocation: sourceLocation)
        var end = start + 1
        while end < lines.count, !lines[end].hasPrefix("[") { end += 1 }
        lines.replaceSubrange(start..<end, with: ["[channels.spool]"] + settings + [""])
        try lines.joined(separator: "\n").write(toFile: config, atomically: true, encoding: .utf8)
        let check = try run("check", sourceLocation: sourceLocation)
        #expect(check.status == 0, "the edited config is valid: \(check)", sourceLocation: sourceLocation)
    }
}

/// `status` text output: a header of state names, one row per rule, then `total`.
struct StatusTable {
    var columns: [String] = []
    var rows: [String: [String]] = [:]

    init(_ text: String) {
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("latest problems") { break }
            if line.isEmpty { continue }
            let cells = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if columns.isEmpty { columns = cells } else if let rule = cells.first { rows[rule] = Array(cells.dropFirst()) }
        }
    }

    func value(rule: String, state: String) -> Int? {
        guard let i = columns.firstIndex(of: state), i > 0, let row = rows[rule], i - 1 < row.count else { return nil }
        return Int(row[i - 1])
    }
}

