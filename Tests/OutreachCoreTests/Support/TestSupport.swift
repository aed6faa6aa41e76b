import Foundation
import OutreachTestSupport
import GRDB
@testable import OutreachCore

/// An instant from an ISO 8601 literal; crashes the test on a typo, which is what we want.
func at(_ text: String) -> Date {
    guard let d = Timestamp.parse(text) else { fatalError("bad test timestamp \(text)") }
    return d
}

func zone(_ name: String) -> TimeZone {
    guard let z = TimeZone(identifier: name) else { fatalError("unknown zone \(name)") }
    return z
}

/// A real SQLite customer store in `folder`, filled with the given rows.
func makeStore(in folder: TemporaryFolder, customers: [Customer] = [], purchases: [Purchase] = [], tickets: [Ticket] = []) throws -> SQLiteCustomerStore {
    let store = try SQLiteCustomerStore.create(path: folder.file("customers.db"))
    try store.write { db in
        for c in customers {
            try db.execute(sql: "INSERT INTO customers(id, name, email, phone, locale, timezone, birthday, tier, opted_out, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                           arguments: [c.id, c.name, c.email, c.phone, c.locale, c.timezone, c.birthday, c.tier, c.optedOut ? 1 : 0, c.createdAt])
        }
        for p in purchases {
            try db.execute(sql: "INSERT INTO purchases(id, customer_id, purchased_at, amount, currency, item) VALUES (?,?,?,?,?,?)",
                           arguments: [p.id, p.customerID, p.purchasedAt, p.amount, p.currency, p.item])
        }
        for t in tickets {
            try db.execute(sql: "INSERT INTO tickets(id, customer_id, subject, status, opened_at, updated_at, solved_at) VALUES (?,?,?,?,?,?,?)",
                           arguments: [t.id, t.customerID, t.subject, t.status, t.openedAt, t.updatedAt, t.solvedAt])
        }
    }
    return store
}

/// A rule configuration with the given kind and optional `send_at`/lateness, on channel "email", template = name.
func makeRule(_ name: String, _ kind: any RuleKind, sendAt: String? = nil, priority: Int = 0, maxLateness: TimeSpan? = nil) -> RuleConfiguration {
    var rule = RuleConfiguration(name: name, kind: kind, channel: "email", template: name)
    rule.sendAt = sendAt.flatMap(TimeOfDay.init(parsing:))
    rule.priority = priority
    if let maxLateness { rule.maxLateness = maxLateness }
    return rule
}

/// The occurrences `rule` finds due within `window` around nothing else: the rule alone, against `store`.
func occurrences(_ rule: RuleConfiguration, _ store: any CustomerStore, from: Date, to: Date, defaultZone: String = "Europe/Budapest", customerID: String? = nil) throws -> RuleYield {
    try rule.occurrences(dueIn: from...to, customerID: customerID, context: RuleContext(store: store, defaultZone: zone(defaultZone)))
}

/// An e-mail channel as rules use it in tests.
let emailChannel: ChannelConfiguration = {
    var c = ChannelConfiguration(name: "email", kind: .smtp)
    c.url = "smtp://127.0.0.1:2525"
    c.from = "Care <care@example.com>"
    return c
}()

/// A complete configuration folder: config file, templates and store, for end-to-end tests.
///
/// `rules` is TOML for the `[[rules]]` entries; templates default to the shipped ones.
func makeDeployment(in folder: TemporaryFolder, rules: String, schedule: String = "timezone = \"Europe/Budapest\"", templates: [String: String]? = nil) throws -> String {
    if let templates {
        for (name, text) in templates { folder.write("templates/\(name)", text) }
    } else {
        let shipped = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("templates").path
        try FileManager.default.copyItem(atPath: shipped, toPath: folder.file("templates"))
    }
    // The ledger `outreachd init` creates: `run` refuses to start without one.
    _ = try SQLiteLedger(path: folder.file("state.db"), access: .create)
    return folder.write("outreachd.toml", """
        [store]
        url = "sqlite:customers.db"
        [state]
        url = "sqlite:state.db"
        [schedule]
        \(schedule)
        [company]
        name = "Example Kft."
        [channels.email]
        kind = "smtp"
        url = "smtp://127.0.0.1:2525"
        tls = "none"
        from = "Care <care@example.com>"
        \(rules)
        """)
}

extension Purchase {
    /// The same purchase, its time compared as an instant: a `timestamptz` store gives it back in UTC.
    func isSame(as other: Purchase) -> Bool {
        var a = self, b = other
        guard let t = Timestamp.parse(a.purchasedAt), t == Timestamp.parse(b.purchasedAt) else { return false }
        a.purchasedAt = ""
        b.purchasedAt = ""
        return a == b
    }
}

extension Occurrence {
    /// The purchase the occurrence is about, if any.
    var purchase: Purchase? {
        if case .purchase(let p) = subject { return p }
        return nil
    }
}
