import Foundation
import GRDB
import OutreachTestSupport
import Testing

/// A deployment with a receiver that records everything: a SQLite store of customers whose
/// birthday is today (UTC), a ledger (a SQLite file, or a PostgreSQL database of its own on a
/// test server), a slow loopback sink (the SMTP or the HTTP fixture), and config files for
/// instances. The crash and scale-out tests run real daemons against it.
struct SinkDeployment {
    enum Sink { case smtp, http }

    /// Where the ledger lives.
    enum LedgerPlace {
        case sqlite
        case postgres(PostgresServer)
    }

    enum Rule { case birthday, checkIn }

    let folder = TemporaryFolder()
    /// The SMTP or HTTP fixture.
    let server: ServerProcess
    let sink: Sink
    let ledgerURL: String
    let customers: Int
    /// The HTTP channel's signing secret (the fixture checks every signature with it).
    static let secret = "whsec_" + Data("outreachd crash test secret".utf8).base64EncodedString()

    /// - Parameters:
    ///   - slow: how long the sink takes to answer each message (SMTP: its final dot; HTTP: the request).
    ///   - purchases: also a purchase 14 days old per customer, for the `check_in` rule.
    init(customers: Int, ledger: LedgerPlace, sink: Sink = .smtp, slow: Double = 0.01, purchases: Bool = false) throws {
        self.customers = customers
        self.sink = sink
        switch sink {
        case .smtp: server = try ServerProcess(script: "smtp_server.py", spool: folder.file("spool"), arguments: ["--slow", String(slow)])
        case .http: server = try ServerProcess(script: "http_server.py", spool: folder.file("spool"),
                                               arguments: ["--delay", String(slow), "--secret", Self.secret])
        }
        switch ledger {
        case .sqlite:
            ledgerURL = "sqlite:state.db"
        case .postgres(let postgres):
            let database = "s_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try postgres.psql("CREATE DATABASE \(database)")
            ledgerURL = "postgres://postgres@127.0.0.1:\(postgres.port)/\(database)"
        }
        try FileManager.default.copyItem(atPath: CLI.templates, toPath: folder.file("templates"))
        let secretFile = folder.write("hook.secret", Self.secret + "\n")
        chmod(secretFile, 0o600)
        try writeConfig("outreachd.toml", rules: [.birthday, .checkIn])
        let initialize = try outreachd(["init", "--config", folder.file("outreachd.toml")], in: folder.path)
        try #require(initialize.status == 0, "\(initialize)")
        try addCustomers(from: 0, count: customers, purchases: purchases)
    }

    /// Adds `count` customers whose birthday is today (UTC), ids `C%05d` from `first`, each with
    /// a purchase 14 days old when `purchases`.
    func addCustomers(from first: Int, count: Int, purchases: Bool = false) throws {
        let today = Calendar(identifier: .gregorian).dateComponents(in: .gmt, from: Date())
        let birthday = String(format: "1990-%02d-%02d", today.month ?? 1, today.day ?? 1)
        let purchased = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-14 * 86_400 - 3600))
        let store = try DatabaseQueue(path: folder.file("customers.db"))
        try store.write { db in
            for i in first..<(first + count) {
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

    /// Writes an instance's config with `rules` (both at priority 10, so only the cap decides between them).
    ///
    /// - Parameter channel: the `[channels.out]` table's keys, instead of the deployment's sink.
    @discardableResult
    func writeConfig(_ name: String, rules: [Rule], cap: String? = nil, channel custom: String? = nil) throws -> String {
        let ruleText = rules.map { rule -> String in
            switch rule {
            case .birthday: return "[[rules]]\nname = \"birthday\"\nkind = \"birthday\"\nchannel = \"out\"\ntemplate = \"birthday\"\npriority = 10\n"
            case .checkIn: return "[[rules]]\nname = \"check_in\"\nkind = \"post_purchase\"\nchannel = \"out\"\ntemplate = \"post_purchase\"\nafter = \"14d\"\npriority = 10\n"
            }
        }.joined(separator: "\n")
        var channel: String
        switch sink {
        case .smtp:
            channel = """
                kind = "smtp"
                url = "smtp://127.0.0.1:\(server.port)"
                tls = "none"
                from = "Example Care <care@example.com>"
                concurrency = 4
                connect_timeout = "5s"
                command_timeout = "10s"
                data_timeout = "10s"
                """
        case .http:
            channel = """
                kind = "http"
                url = "http://127.0.0.1:\(server.port)/hooks/outreach"
                secret_file = "hook.secret"
                address = "email"
                concurrency = 4
                timeout = "10s"
                """
        }
        if let custom { channel = custom }
        return folder.write(name, """
            [store]
            url = "sqlite:customers.db"
            [state]
            url = "\(ledgerURL)"
            \(ledgerURL.hasPrefix("postgres") ? "lease = \"10s\"" : "")
            [schedule]
            interval = "1s"
            timezone = "UTC"
            \(cap.map { "max_per_customer = \"\($0)\"" } ?? "")
            [company]
            name = "Example Kft."
            [channels.out]
            \(channel)

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

    /// One message as the sink got it.
    struct Received {
        var key: String
        /// The Message-ID (SMTP) or Idempotency-Key (HTTP): what a receiver drops a repeat by.
        var messageID: String
        var to: String
        /// When the sink had it whole (Unix time).
        var at: Double
    }

    /// Every message the sink received, repeats included.
    func received() -> [Received] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: server.spool)) ?? []
        switch sink {
        case .smtp:
            return names.filter { $0.hasSuffix(".eml") }.compactMap { name in
                guard let text = try? String(contentsOfFile: server.spool + "/" + name, encoding: .utf8) else { return nil }
                let headers = text.components(separatedBy: "\r\n\r\n").first?.components(separatedBy: "\r\n") ?? []
                func header(_ field: String) -> String? {
                    headers.first { $0.lowercased().hasPrefix(field.lowercased() + ":") }.map { String($0.dropFirst(field.count + 1)).trimmingCharacters(in: .whitespaces) }
                }
                let envelope = (try? Data(contentsOf: URL(fileURLWithPath: server.spool + "/" + name.dropLast(4) + ".json")))
                    .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
                guard let key = header("X-Outreach-Key"), let id = header("Message-ID"), let to = header("To") else { return nil }
                return Received(key: key, messageID: id, to: to, at: envelope?["received_at"] as? Double ?? 0)
            }
        case .http:
            return names.filter { $0.hasSuffix(".json") }.compactMap { name in
                guard let data = try? Data(contentsOf: URL(fileURLWithPath: server.spool + "/" + name)),
                      let request = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                      let headers = request["headers"] as? [String: String], let text = request["body"] as? String,
                      let body = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                      let key = body["key"] as? String, let id = headers["idempotency-key"],
                      request["signature_valid"] as? Bool == true else { return nil }
                let customer = body["customer"] as? [String: Any]
                return Received(key: key, messageID: id, to: customer?["email"] as? String ?? "", at: request["received_at"] as? Double ?? 0)
            }
        }
    }

    /// How many messages the sink holds so far.
    var receivedCount: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: server.spool)) ?? []).filter { $0.hasSuffix(sink == .smtp ? ".eml" : ".json") }.count
    }

    func startDaemon(config: String = "outreachd.toml", environment: [String: String] = [:]) throws -> DaemonProcess {
        try DaemonProcess(arguments: ["run", "--config", folder.file(config)], directory: folder.path, environment: environment)
    }
}
