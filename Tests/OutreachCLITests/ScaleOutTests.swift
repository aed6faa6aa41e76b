import Foundation
import GRDB
import OutreachTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several `outreachd run` processes over one PostgreSQL ledger, as an operator runs them on
/// several machines: the work spreads, a killed instance's messages are taken over after its
/// lease (resent only if its attempt was under way, with the same Message-ID), the frequency cap
/// holds across instances, and a database restart loses nothing.
@Suite(.serialized) struct ScaleOutTests {
    /// A shared-ledger deployment: a SQLite store of customers whose birthday is today (UTC), a
    /// PostgreSQL ledger of its own, a slow loopback SMTP sink, and config files for instances.
    struct Deployment {
        let folder = TemporaryFolder()
        let smtp: ServerProcess
        let ledgerURL: String
        let customers: Int

        /// - Parameters:
        ///   - server: the PostgreSQL server (the shared one, or a test's own when it restarts it).
        ///   - slow: how long the sink takes to answer each message's final dot.
        init(customers: Int, server: PostgresServer, slow: Double = 0.01, purchases: Bool = false) throws {
            self.customers = customers
            smtp = try ServerProcess(script: "smtp_server.py", spool: folder.file("spool"), arguments: ["--slow", String(slow)])
            let database = "s_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try server.psql("CREATE DATABASE \(database)")
            ledgerURL = "postgres://postgres@127.0.0.1:\(server.port)/\(database)"
            try FileManager.default.copyItem(atPath: CLI.templates, toPath: folder.file("templates"))
            try writeConfig("outreachd.toml", rules: [.birthday, .checkIn])
            let initialize = try outreachd(["init", "--config", folder.file("outreachd.toml")], in: folder.path)
            try #require(initialize.status == 0, "\(initialize)")
            let today = Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: Date())
            let birthday = String(format: "1990-%02d-%02d", today.month ?? 1, today.day ?? 1)
            let purchased = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-14 * 86_400 - 3600))
            let store = try DatabaseQueue(path: folder.file("customers.db"))
            try store.write { db in
                for i in 0..<customers {
                    let id = String(format: "C%05d", i)
                    try db.execute(sql: "INSERT INTO customers(id, name, email, locale, timezone, birthday, opted_out) VALUES (?, ?, ?, 'en', 'UTC', ?, 0)",
                                   arguments: [id, "Customer \(i)", "c\(i)@example.com", birthday])
                    if purchases {
                        try db.execute(sql: "INSERT INTO purchases(id, customer_id, purchased_at, amount, currency, item) VALUES (?, ?, ?, 100, 'EUR', 'kettle')",
                                       arguments: ["P" + id, id, purchased])
                    }
                }
            }
            try store.close()
        }

        enum Rule { case birthday, checkIn }

        /// Writes an instance's config with `rules` (both at priority 10, so only the cap decides between them).
        @discardableResult
        func writeConfig(_ name: String, rules: [Rule], cap: String? = nil) throws -> String {
            let ruleText = rules.map { rule -> String in
                switch rule {
                case .birthday: return "[[rules]]\nname = \"birthday\"\nkind = \"birthday\"\nchannel = \"email\"\ntemplate = \"birthday\"\npriority = 10\n"
                case .checkIn: return "[[rules]]\nname = \"check_in\"\nkind = \"post_purchase\"\nchannel = \"email\"\ntemplate = \"post_purchase\"\nafter = \"14d\"\npriority = 10\n"
                }
            }.joined(separator: "\n")
            return folder.write(name, """
                [store]
                url = "sqlite:customers.db"
                [state]
                url = "\(ledgerURL)"
                lease = "10s"
                [schedule]
                interval = "1s"
                timezone = "UTC"
                \(cap.map { "max_per_customer = \"\($0)\"" } ?? "")
                [company]
                name = "Example Kft."
                [channels.email]
                kind = "smtp"
                url = "smtp://127.0.0.1:\(smtp.port)"
                tls = "none"
                from = "Example Care <care@example.com>"
                concurrency = 4
                connect_timeout = "5s"
                command_timeout = "10s"
                data_timeout = "10s"

                \(ruleText)
                """)
        }

        /// `status --format jsonl`: rows by state.
        func states(config: String = "outreachd.toml") throws -> [String: Int] {
            let status = try outreachd(["status", "--config", folder.file(config), "--format", "jsonl"], in: folder.path)
            var states: [String: Int] = [:]
            for line in status.lines {
                guard let object = jsonObject(line), let state = object["state"] as? String, let count = object["count"] as? Int else { continue }
                states[state, default: 0] += count
            }
            return states
        }

        /// Waits until every row is sent (nothing pending), at most `timeout` seconds.
        func waitUntilAllSent(_ expected: Int, timeout: TimeInterval) throws -> [String: Int] {
            let deadline = Date().addingTimeInterval(timeout)
            var states: [String: Int] = [:]
            while Date() < deadline {
                states = try self.states()
                if states["sent"] == expected, states.filter({ $0.key != "sent" && $0.value > 0 }).isEmpty { return states }
                Thread.sleep(forTimeInterval: 0.5)
            }
            return states
        }

        /// Every received message's key and Message-ID.
        func received() -> [(key: String, messageID: String, to: String)] {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: smtp.spool)) ?? []).filter { $0.hasSuffix(".eml") }
            return names.compactMap { name in
                guard let text = try? String(contentsOfFile: smtp.spool + "/" + name, encoding: .utf8) else { return nil }
                let headers = text.components(separatedBy: "\r\n\r\n").first?.components(separatedBy: "\r\n") ?? []
                func header(_ field: String) -> String? {
                    headers.first { $0.lowercased().hasPrefix(field.lowercased() + ":") }.map { String($0.dropFirst(field.count + 1)).trimmingCharacters(in: .whitespaces) }
                }
                guard let key = header("X-Outreach-Key"), let id = header("Message-ID"), let to = header("To") else { return nil }
                return (key, id, to)
            }
        }

        func startDaemon(config: String = "outreachd.toml") throws -> DaemonProcess {
            try DaemonProcess(arguments: ["run", "--config", folder.file(config)], directory: folder.path)
        }
    }

    @Test func testThreeInstancesShareTheWorkAndAKilledOnesClaimsAreTakenOverWithTheSameMessageID() throws {
        let server = try PostgresServer.shared.get()
        let d = try Deployment(customers: 3000, server: server)
        defer { d.smtp.stop() }
        let daemons = try (0..<3).map { _ in try d.startDaemon() }
        defer { daemons.forEach { $0.stop() } }
        // Kill one while everything is under way.
        let killAt = Date().addingTimeInterval(60)
        while d.smtp.receivedCount < 600, Date() < killAt, daemons.allSatisfy(\.isRunning) { Thread.sleep(forTimeInterval: 0.05) }
        let killed = daemons[1]
        #expect(killed.signal(SIGKILL))
        _ = killed.waitForExit(timeout: 5)
        let sentByKilled = killed.countStderrLines(containing: "info sent ")

        let states = try d.waitUntilAllSent(d.customers, timeout: 120)
        #expect(states == ["sent": d.customers], "\(states)")
        let received = d.received()
        let byKey = Dictionary(grouping: received, by: \.key)
        #expect(byKey.count == d.customers, "every message delivered: \(byKey.count) of \(d.customers)")
        let duplicates = byKey.filter { $0.value.count > 1 }
        // Only the killed instance's attempts under way can be repeated: at most its connections.
        #expect(duplicates.count <= 4, "\(duplicates.count) duplicates: \(duplicates.keys.sorted().prefix(10))")
        for (key, copies) in duplicates {
            #expect(Set(copies.map(\.messageID)).count == 1, "\(key) was resent with another Message-ID")
        }
        let split = daemons.map { $0.countStderrLines(containing: "info sent ") }
        print("scale-out split (sent per instance, instance 2 killed after \(sentByKilled)): \(split); duplicates: \(duplicates.count); received \(received.count)")
        #expect(split[0] > 0 && split[2] > 0, "the work was spread: \(split)")
        #expect(daemons[0].isRunning && daemons[2].isRunning)
        for daemon in [daemons[0], daemons[2]] {
            #expect(daemon.signal(SIGTERM))
            #expect(daemon.waitForExit(timeout: 10) == 0, "\(daemon.stderr.suffix(2000))")
        }
    }

    @Test func testTheCapHoldsAcrossThreeRunOnceStartedTogether() throws {
        let server = try PostgresServer.shared.get()
        let d = try Deployment(customers: 300, server: server, slow: 0, purchases: true)
        defer { d.smtp.stop() }
        // Each instance sees other rules, so only the shared ledger can keep a customer to one message a day.
        let configs = [try d.writeConfig("a.toml", rules: [.birthday], cap: "1/24h"), try d.writeConfig("b.toml", rules: [.checkIn], cap: "1/24h"),
                       try d.writeConfig("c.toml", rules: [.birthday, .checkIn], cap: "1/24h")]
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        let results = Locked<[CLIResult]>([])
        for config in configs {
            group.enter()
            Thread {
                defer { group.leave() }
                start.wait()
                if let result = try? outreachd(["run", "--once", "--config", config], in: d.folder.path) { results.withLock { $0.append(result) } }
            }.start()
        }
        for _ in configs { start.signal() }
        group.wait()
        let runs = results.withLock { $0 }
        #expect(runs.count == 3 && runs.allSatisfy { $0.status == 0 }, "\(runs)")
        let perRecipient = Dictionary(grouping: d.received(), by: \.to)
        #expect(perRecipient.count == d.customers, "every customer got a message: \(perRecipient.count)")
        let twice = perRecipient.filter { $0.value.count > 1 }
        #expect(twice.isEmpty, "\(twice.count) customers got two messages: \(twice.keys.sorted().prefix(5))")
    }

    @Test func testAPostgreSQLRestartDuringADaemonRunLosesNothing() throws {
        let server = try PostgresServer()
        let d = try Deployment(customers: 1000, server: server, slow: 0.01)
        defer { d.smtp.stop() }
        let daemon = try d.startDaemon()
        defer { daemon.stop() }
        let deadline = Date().addingTimeInterval(60)
        while d.smtp.receivedCount < 200, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        server.stop()
        Thread.sleep(forTimeInterval: 1.5)
        try server.start()
        let states = try d.waitUntilAllSent(d.customers, timeout: 90)
        #expect(states == ["sent": d.customers], "\(states)\n\(daemon.stderr.suffix(3000))")
        let byKey = Dictionary(grouping: d.received(), by: \.key)
        #expect(byKey.count == d.customers)
        for (key, copies) in byKey where copies.count > 1 {
            #expect(Set(copies.map(\.messageID)).count == 1, "\(key) was resent with another Message-ID")
        }
        #expect(daemon.stderr.contains("tick failed") || daemon.stderr.contains("cannot record"), "the restart was noticed")
        #expect(daemon.isRunning, "the daemon survived the restart")
        print("restart: \(byKey.filter { $0.value.count > 1 }.count) messages resent with the same Message-ID")
        #expect(daemon.signal(SIGTERM))
        #expect(daemon.waitForExit(timeout: 10) == 0)
    }
}

extension ScaleOutTests {
    @Test func testALedgerThatCannotBeReachedIsOneLineNamingTheURLWithoutItsPassword() throws {
        let server = try PostgresServer.shared.get()
        let d = try Deployment(customers: 1, server: server, slow: 0)
        defer { d.smtp.stop() }
        let port = try closedLoopbackPort()
        for (url, says) in [("postgres://outreachd:hunter2@127.0.0.1:\(port)/nowhere", "refused"),
                            ("postgres://\(server.locked):wrong-password@127.0.0.1:\(server.port)/\(server.database)", "password"),
                            ("postgres://postgres:hunter2@127.0.0.1:\(server.port)/no_such_database", "does not exist")] {
            var text = try String(contentsOfFile: d.folder.file("outreachd.toml"), encoding: .utf8)
            text = text.replacingOccurrences(of: d.ledgerURL, with: url)
            let config = d.folder.write("broken.toml", text)
            let line = try #require(text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("url = \"postgres") }) + 1
            for command in [["check"], ["run", "--once"], ["status"]] {
                let result = try outreachd([command[0], "--config", config] + command.dropFirst(), in: d.folder.path)
                #expect(result.status == 1, "\(command) \(url): \(result)")
                #expect(result.stderr.contains("\(config):\(line): "), "\(command): \(result)")
                #expect(result.stderr.contains(says), "\(command): \(result)")
                #expect(!result.stderr.contains("hunter2") && !result.stderr.contains("wrong-password"), "the password was shown: \(result)")
                #expect(result.hasNoStackTrace)
            }
        }
    }
}

/// A value shared between test threads.
final class Locked<Value: Sendable>: @unchecked Sendable {  // `value` only behind `lock`
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
