import Foundation
import GRDB
import OutreachTestSupport
import Testing

/// Issue 8's fail-safe promises, through the built binary: a lost ledger is never recreated behind
/// the operator's back, a configuration that cannot deliver stops before anything is queued, the
/// do-not-contact list holds only what it can match, and every refusal says what to do.
@Suite struct FailSafeCLITests {
    // MARK: A lost ledger

    /// The ways a ledger gets lost: deleted with its side files, or emptied in place.
    enum Loss: String, CaseIterable, Sendable {
        case deleted, emptied, replacedByEmptyFile

        func apply(to state: String) throws {
            let fm = FileManager.default
            for suffix in ["", "-wal", "-shm"] where fm.fileExists(atPath: state + suffix) { try fm.removeItem(atPath: state + suffix) }
            switch self {
            case .deleted: break
            case .emptied: _ = fm.createFile(atPath: state, contents: Data())
            case .replacedByEmptyFile:
                // An empty SQLite database (a valid file with no tables), as another tool would leave it.
                let queue = try DatabaseQueue(path: state)
                try queue.write { db in try db.execute(sql: "CREATE TABLE unrelated(x)"); try db.execute(sql: "DROP TABLE unrelated") }
            }
        }
    }

    @Test(arguments: Loss.allCases)
    func testALostLedgerIsRefusedByCheckRunAndTheDaemonAndNothingIsSentTwice(_ loss: Loss) throws {
        let demo = try DeliveryDemo()
        let first = try demo.run("run", "--once")
        try #require(first.status == 0, "\(first)")
        let delivered = demo.maildirNew()
        try #require(!delivered.isEmpty)
        let state = demo.dir + "/state.db"
        try loss.apply(to: state)
        let sizeBefore = (try? FileManager.default.attributesOfItem(atPath: state)[.size] as? Int) ?? nil

        let check = try demo.run("check")
        #expect(check.status == 1, "\(check)")
        #expect(check.stderr.contains(state), "\(check)")
        #expect(check.stderr.contains("restore it from a backup"), "\(check)")
        #expect(!check.stdout.contains("usable"), "\(check)")

        for arguments in [["run", "--once"], ["run"], ["suppress", "add", "someone@example.com"]] {
            let result = try outreachd([arguments[0], "--config", demo.config] + arguments.dropFirst(), in: demo.folder.path)
            #expect(result.status == 1, "\(arguments): \(result)")
            #expect(result.stderr.contains(state) && result.stderr.contains("outreachd init"), "\(arguments): \(result)")
            #expect(result.hasNoStackTrace, "\(arguments): \(result)")
        }
        #expect(demo.maildirNew() == delivered, "a lost ledger sent messages again")
        // Nothing was created or written in its place.
        let sizeAfter = (try? FileManager.default.attributesOfItem(atPath: state)[.size] as? Int) ?? nil
        #expect(sizeAfter == sizeBefore, "\(loss): the state database changed")
        #expect(!FileManager.default.fileExists(atPath: state + "-wal"))

        // preview still shows what a first run would send, and says why.
        let preview = try demo.run("preview", "--format", "jsonl")
        #expect(preview.status == 0, "\(preview)")
        #expect(preview.stderr.contains("first run"), "\(preview)")

        // Only init creates a ledger again, when the operator says so.
        let initialize = try demo.run("init")
        #expect(initialize.status == 0, "\(initialize)")
        #expect(try demo.run("check").status == 0)
    }

    // MARK: Channels that cannot deliver

    /// A config with one channel table (`[channels.spool]`, used by every demo rule) replaced by `table`.
    func demo(channel table: String) throws -> DeliveryDemo {
        let demo = try DeliveryDemo()
        var text = try String(contentsOfFile: demo.config, encoding: .utf8)
        let start = try #require(text.range(of: "[channels.spool]\n"))
        let end = try #require(text.range(of: "\n[[rules]]", range: start.upperBound..<text.endIndex))
        text.replaceSubrange(start.lowerBound..<end.lowerBound, with: table + "\n")
        try text.write(toFile: demo.config, atomically: true, encoding: .utf8)
        return demo
    }

    /// The 1-based line of the first line of the config containing `needle`.
    func line(of needle: String, in config: String) throws -> Int {
        let lines = try String(contentsOfFile: config, encoding: .utf8).components(separatedBy: "\n")
        return try #require(lines.firstIndex { $0.contains(needle) }) + 1
    }

    struct Broken: Sendable, CustomTestStringConvertible {
        var name: String
        var table: String
        /// Text of the config line the error must point at.
        var at: String
        var says: String
        var testDescription: String { name }
    }

    static let broken: [Broken] = [
        Broken(name: "http without any secret", table: "[channels.spool]\nkind = \"http\"\nurl = \"http://127.0.0.1:9/hook\"\naddress = \"email\"",
               at: "[channels.spool]", says: "secret_file"),
        Broken(name: "http secret_file missing", table: "[channels.spool]\nkind = \"http\"\nurl = \"http://127.0.0.1:9/hook\"\naddress = \"email\"\nsecret_file = \"nope.secret\"",
               at: "secret_file", says: "nope.secret: No such file or directory"),
        Broken(name: "http secret_file empty", table: "[channels.spool]\nkind = \"http\"\nurl = \"http://127.0.0.1:9/hook\"\naddress = \"email\"\nsecret_file = \"empty.secret\"",
               at: "secret_file", says: "empty"),
        Broken(name: "http secret_file a folder", table: "[channels.spool]\nkind = \"http\"\nurl = \"http://127.0.0.1:9/hook\"\naddress = \"email\"\nsecret_file = \"templates\"",
               at: "secret_file", says: "not a regular file"),
        Broken(name: "smtp username without password", table: "[channels.spool]\nkind = \"smtp\"\nurl = \"smtp://127.0.0.1:9\"\ntls = \"none\"\nfrom = \"Care <care@example.com>\"\nusername = \"care\"",
               at: "username", says: "password"),
        Broken(name: "smtp from not an address", table: "[channels.spool]\nkind = \"smtp\"\nurl = \"smtp://127.0.0.1:9\"\ntls = \"none\"\nfrom = \"Example Care\"",
               at: "from =", says: "not an address"),
        Broken(name: "smtp ca_file missing", table: "[channels.spool]\nkind = \"smtp\"\nurl = \"smtps://127.0.0.1:9\"\nfrom = \"Care <care@example.com>\"\nca_file = \"nope.pem\"",
               at: "ca_file", says: "nope.pem"),
        Broken(name: "maildir path under a file", table: "[channels.spool]\nkind = \"maildir\"\npath = \"outreachd.toml/Maildir\"",
               at: "path = \"outreachd.toml/Maildir", says: "not a folder"),
        Broken(name: "maildir from not an address", table: "[channels.spool]\nkind = \"maildir\"\npath = \"Maildir\"\nfrom = \"care at example\"",
               at: "from =", says: "not an address"),
    ]

    @Test(arguments: broken)
    func testAChannelThatCannotDeliverStopsCheckAndRunBeforeAnythingIsQueued(_ broken: Broken) throws {
        let demo = try demo(channel: broken.table)
        demo.folder.write("demo/empty.secret", "\n")
        let due = try demo.previewKeys()
        try #require(!due.isEmpty)
        let expected = "\(demo.config):\(try line(of: broken.at, in: demo.config)): "

        let check = try demo.run("check")
        #expect(check.status == 1, "\(check)")
        #expect(check.stderr.contains(expected), "expected \(expected)…: \(check)")
        #expect(check.stderr.contains(broken.says), "\(check)")
        #expect(check.stdout.isEmpty, "problems go to stderr: \(check)")

        let run = try demo.run("run", "--once")
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains(broken.says), "\(run)")
        #expect(run.hasNoStackTrace)
        let status = try demo.run("status", "--format", "jsonl")
        #expect(status.status == 0, "\(status)")
        #expect(status.stdout.isEmpty, "nothing was queued: \(status)")
    }

    @Test func testAMaildirWithoutFromDeliversFromTheCompanyAtThisHost() throws {
        let demo = try demo(channel: "[channels.spool]\nkind = \"maildir\"\npath = \"Maildir\"")
        let check = try demo.run("check")
        #expect(check.status == 0, "\(check)")
        let run = try demo.run("run", "--once")
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("failed 0"), "\(run)")
        let files = demo.maildirNew()
        try #require(!files.isEmpty)
        let text = try String(contentsOfFile: demo.dir + "/Maildir/new/" + files[0], encoding: .utf8)
        let from = try #require(text.components(separatedBy: "\r\n").first { $0.hasPrefix("From: ") })
        #expect(from.hasPrefix("From: \"Example Kft.\" <outreachd@"), "\(from)")
        #expect(!from.hasSuffix("@>"), "\(from)")
    }

    @Test func testASecretFileOthersCanReadIsAWarningNotAnError() throws {
        let demo = try demo(channel: "[channels.spool]\nkind = \"http\"\nurl = \"http://127.0.0.1:\(try closedLoopbackPort())/hook\"\naddress = \"email\"\nsecret_file = \"hook.secret\"")
        let secret = demo.folder.write("demo/hook.secret", "a-shared-secret\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: secret)
        let check = try demo.run("check")
        #expect(check.status == 0, "\(check)")
        #expect(check.stderr.contains("\(demo.config):\(try line(of: "secret_file", in: demo.config)): warning: "), "\(check)")
        #expect(check.stderr.contains("chmod o-r"), "\(check)")
        // It starts (the closed port leaves the messages queued for a retry: exit 2), repeating the warning.
        let run = try demo.run("run", "--once")
        #expect(run.status == 2, "\(run)")
        #expect(run.stderr.contains("chmod o-r"), "the warning is repeated at start-up: \(run)")

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secret)
        let quiet = try demo.run("check")
        #expect(quiet.status == 0 && !quiet.stderr.contains("warning"), "\(quiet)")
    }

    @Test func testASystemdCredentialIsOnlyAWarningForCheckFromAShellButStopsTheService() throws {
        let demo = try demo(channel: "[channels.spool]\nkind = \"http\"\nurl = \"http://127.0.0.1:9/hook\"\naddress = \"email\"\n"
                                  + "secret_file = \"/run/credentials/outreachd.service/sms-\(UUID().uuidString)\"")
        let shell = try demo.run("check")
        #expect(shell.status == 0, "\(shell)")
        #expect(shell.stderr.contains("warning: ") && shell.stderr.contains("LoadCredential="), "\(shell)")
        // Inside the service (systemd sets $CREDENTIALS_DIRECTORY) the same file missing is an error.
        let service = try outreachd(["check", "--config", demo.config], in: demo.folder.path, environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/outreachd.service"])
        #expect(service.status == 1, "\(service)")
        let run = try demo.run("run", "--once")
        #expect(run.status == 1, "\(run)")
        #expect(try demo.run("status", "--format", "jsonl").stdout.isEmpty, "nothing was queued")
    }

    // MARK: The do-not-contact list

    @Test func testSuppressNormalisesWhatIsUnambiguousAndRefusesTheRest() throws {
        let demo = try DeliveryDemo()
        let accepted = [("<Anna@Example.COM>", "anna@example.com"), ("Anna Kovács <anna.k@example.hu>", "anna.k@example.hu"),
                        ("  mailto:Bob@Example.com ", "bob@example.com"), ("+36 30 123-4567", "+36301234567"), ("(020) 7946 0018", "02079460018")]
        for (input, entry) in accepted {
            let add = try demo.run("suppress", "add", input)
            #expect(add.status == 0, "\(input): \(add)")
            #expect(add.stdout.contains(entry), "\(input): \(add)")
        }
        for refused in ["not-an-address", "a@b", "two@example.com, three@example.com", "x@example.com\nBcc: y@example.com", "@example.com",
                        "anna@", "Anna <a@example.com> <b@example.com>", "12", "+36 30 ABC", "tab\there@example.com"] {
            let add = try demo.run("suppress", "add", refused)
            #expect(add.status == 1, "\(refused.debugDescription) was accepted: \(add)")
            #expect(add.hasNoStackTrace)
        }
        let list = try demo.run("suppress", "list")
        #expect(list.status == 0, "\(list)")
        #expect(list.lines.map { String($0.split(separator: "\t").first ?? "") }.sorted() == accepted.map(\.1).sorted(), "\(list)")
        // Removing works with any spelling of the same address.
        let remove = try demo.run("suppress", "remove", "ANNA@example.com")
        #expect(remove.status == 0 && remove.stdout.contains("removed anna@example.com"), "\(remove)")
    }

    @Test func testListStaysOneLinePerEntryWhateverTheTableHolds() throws {
        let demo = try DeliveryDemo()
        let queue = try DatabaseQueue(path: demo.dir + "/state.db")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO suppressions(address, reason, created_at) VALUES (?, ?, ?)", arguments: ["odd\taddress\nnext", "a reason\nwith lines", 0])
            try db.execute(sql: "INSERT INTO suppressions(address, reason, created_at) VALUES (?, ?, ?)", arguments: ["plain@example.com", "ok", 0])
        }
        let list = try demo.run("suppress", "list")
        #expect(list.status == 0, "\(list)")
        #expect(list.lines.count == 2, "\(list)")
        #expect(list.lines.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 3 }, "\(list)")
    }

    @Test func testASuppressedPhoneIsMatchedWhateverItsSpellingInTheStore() throws {
        let demo = try DeliveryDemo()
        // Every due customer's address, suppressed in another spelling, gets nothing.
        let due = try demo.previewLines()
        try #require(!due.isEmpty)
        for line in due {
            let to = try #require(line["to"] as? String)
            #expect(try demo.run("suppress", "add", "Customer <\(to.uppercased())>").status == 0)
        }
        let run = try demo.run("run", "--once")
        #expect(run.status == 0, "\(run)")
        #expect(demo.maildirNew().isEmpty, "suppressed addresses were mailed: \(demo.maildirNew())")
    }

    // MARK: Messages a person can act on

    @Test func testPreviewOfAnUnknownCustomerSaysSoLikeExplain() throws {
        let demo = try DeliveryDemo()
        for command in [["preview", "--customer", "NOPE"], ["explain", "--customer", "NOPE"]] {
            let result = try outreachd([command[0], "--config", demo.config] + command.dropFirst(), in: demo.folder.path)
            #expect(result.status == 1, "\(command): \(result)")
            #expect(result.stderr.contains("\"NOPE\" is not in the store"), "\(command): \(result)")
            #expect(result.stdout.isEmpty, "\(command): \(result)")
        }
    }

    @Test func testInitDemoDoesNotReplaceAnExistingDemoUnlessAsked() throws {
        let demo = try DeliveryDemo()
        #expect(try demo.run("run", "--once").status == 0)
        let sent = demo.maildirNew()
        try #require(!sent.isEmpty)
        let again = try outreachd(["init", "--demo", "--dir", demo.dir, "--templates", CLI.templates], in: demo.folder.path)
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr.contains("--replace"), "\(again)")
        #expect(demo.maildirNew() == sent, "the demo was replaced")
        #expect(try demo.run("run", "--once").stdout.contains("sent 0,"), "the ledger was replaced")
        let replaced = try outreachd(["init", "--demo", "--replace", "--dir", demo.dir, "--templates", CLI.templates], in: demo.folder.path)
        #expect(replaced.status == 0, "\(replaced)")
        #expect(demo.maildirNew().isEmpty)
    }

    @Test func testSendTestToAnotherAddressDoesNotCarryTheCustomersName() throws {
        let demo = try DeliveryDemo()
        let result = try demo.run("send-test", "--rule", "birthday", "--customer", "C001", "--to", "tester@example.org")
        #expect(result.status == 0, "\(result)")
        let files = demo.maildirNew()
        try #require(files.count == 1)
        let text = try String(contentsOfFile: demo.dir + "/Maildir/new/" + files[0], encoding: .utf8)
        let to = try #require(text.components(separatedBy: "\r\n").first { $0.hasPrefix("To: ") })
        #expect(to == "To: tester@example.org", "\(to)")
        let named = try demo.run("send-test", "--rule", "birthday", "--customer", "C001", "--to", "QA Desk <qa@example.org>")
        #expect(named.status == 0, "\(named)")
        let bad = try demo.run("send-test", "--rule", "birthday", "--customer", "C001", "--to", "not an address")
        #expect(bad.status == 1, "\(bad)")
    }

    @Test func testPrometheusHasTheTickFiguresAfterRunOnce() throws {
        let demo = try DeliveryDemo()
        #expect(try demo.run("run", "--once").status == 0)
        let metrics = try demo.run("status", "--format", "prometheus")
        #expect(metrics.status == 0, "\(metrics)")
        #expect(metrics.stdout.contains("outreachd_last_tick_timestamp_seconds "), "\(metrics)")
        #expect(metrics.stdout.contains("outreachd_last_tick_duration_seconds "), "\(metrics)")
    }

    @Test func testSQLiteFailuresAreSaidInWordsWithThePathOnce() throws {
        let demo = try DeliveryDemo()
        // Not a database.
        let store = demo.dir + "/customers.db"
        try "not a database at all\n".write(toFile: store, atomically: true, encoding: .utf8)
        let preview = try demo.run("preview")
        #expect(preview.status == 1, "\(preview)")
        #expect(preview.stderr.contains("\(store): this file is not a SQLite database"), "\(preview)")
        #expect(preview.stderr.components(separatedBy: store).count == 2, "the path is printed once: \(preview)")
        #expect(!preview.stderr.contains("SQLite error"), "\(preview)")
        #expect(!preview.stderr.contains("sqlite_master"), "no SQL reaches the operator: \(preview)")
        let check = try demo.run("check")
        #expect(check.stderr.contains("\(store): this file is not a SQLite database"), "\(check)")
        #expect(check.stderr.components(separatedBy: store).count == 2, "the path is printed once: \(check)")
    }

    @Test func testAReadOnlyLedgerIsSaidInWords() throws {
        let demo = try DeliveryDemo()
        // Root ignores file permissions: run as nobody, who may read the demo but not write its state.
        let launcher = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : []
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: demo.folder.path)
        for path in [demo.dir, demo.dir + "/templates"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        }
        // The Maildir is writable by anyone, so the ledger is what stops the run.
        for path in ["", "/new", "/tmp", "/cur"] where FileManager.default.fileExists(atPath: demo.dir + "/Maildir" + path) {
            try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: demo.dir + "/Maildir" + path)
        }
        for file in ["outreachd.toml", "customers.db", "state.db"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: demo.dir + "/" + file)
        }
        let result = try outreachd(["run", "--once", "--config", demo.config], in: demo.folder.path, launcher: launcher)
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("read-only"), "\(result)")
        #expect(!result.stderr.contains("SQLite error"), "\(result)")
        #expect(!result.stderr.contains("UPDATE outbox"), "no SQL reaches the operator: \(result)")
        #expect(result.hasNoStackTrace)
    }

    @Test func testADamagedLedgerRowIsAnErrorNotAFailedMessage() throws {
        let demo = try DeliveryDemo()
        #expect(try demo.run("run", "--once").status == 0)
        let queue = try DatabaseQueue(path: demo.dir + "/state.db")
        try queue.write { db in
            try db.execute(sql: "PRAGMA ignore_check_constraints = ON")
            try db.execute(sql: "UPDATE outbox SET state = 'delivered' WHERE rowid = (SELECT MIN(rowid) FROM outbox)")
        }
        try queue.close()
        for command in [["status"], ["status", "--format", "prometheus"]] {
            let result = try outreachd([command[0], "--config", demo.config] + command.dropFirst(), in: demo.folder.path)
            #expect(result.status == 1, "\(command): \(result)")
            #expect(result.stderr.contains("\"delivered\"") && result.stderr.contains("restore it from a backup"), "\(command): \(result)")
            #expect(result.hasNoStackTrace)
        }
    }
}
